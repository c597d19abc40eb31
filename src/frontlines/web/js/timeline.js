// The timeline: events per day, week or month stacked by type, as the server counts them
// (/api/timeline, bucket=auto); drag to brush a period (filters the map, the table, the network and
// the CSV link), click to clear.
import { clear, s, typeColor, TYPE_COLORS } from "./dom.js";

const DAY = 86400000;
const M = { left: 34, right: 10, top: 6, bottom: 20 };
export const toDay = (iso) => Date.parse(iso + "T00:00:00Z") / DAY; // days since epoch (UTC)
export const toIso = (day) => new Date(Math.round(day) * DAY).toISOString().slice(0, 10);
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/** The day after the bucket that starts at `iso`. */
function bucketEnd(iso, bucket) {
  if (bucket === "day") return toDay(iso) + 1;
  if (bucket === "week") return toDay(iso) + 7;
  const d = new Date(iso + "T00:00:00Z");
  if (bucket === "year") return Date.UTC(d.getUTCFullYear() + 1, 0, 1) / DAY;
  return Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1) / DAY;
}

export class Timeline {
  constructor(root, { onBrush }) {
    this.root = root;
    this.onBrush = onBrush;
    this.series = [];
    this.bucket = "day";
    this.brush = null; // [sinceIso, untilIso]
    this.svg = s("svg", { role: "img", "aria-label": "events over time" });
    root.append(this.svg);
    this._interactions();
    new ResizeObserver(() => this.render()).observe(root);
  }

  setSeries({ bucket, series }) {
    this.bucket = bucket || "day";
    this.series = (series || []).filter((p) => p.t && p.total > 0);
    if (this.series.length) {
      const lo = toDay(this.series[0].t), hi = bucketEnd(this.series[this.series.length - 1].t, this.bucket);
      const pad = Math.max(3, (hi - lo) * 0.02);
      this.domain = [lo - pad, hi + pad];
    } else {
      this.domain = null;
    }
    this.render();
  }

  width() {
    return this.svg.getBoundingClientRect().width || 600;
  }

  height() {
    return this.svg.getBoundingClientRect().height || 150;
  }

  // day number -> x in svg px, and back
  x(day) {
    const [a, b] = this.domain;
    return M.left + ((day - a) / (b - a)) * (this.width() - M.left - M.right);
  }

  day(x) {
    const [a, b] = this.domain;
    return a + ((x - M.left) / (this.width() - M.left - M.right)) * (b - a);
  }

  /** Client x of the start of a date (used by tests and keyboard users' date inputs alike). */
  clientX(iso) {
    return this.svg.getBoundingClientRect().left + this.x(toDay(iso));
  }

  setBrush(brush, notify = true) {
    this.brush = brush;
    this.render();
    if (notify) this.onBrush(brush);
  }

  _interactions() {
    let start = null;
    const localX = (e) => e.clientX - this.svg.getBoundingClientRect().left;
    this.svg.addEventListener("pointerdown", (e) => {
      if (!this.domain) return;
      start = localX(e);
      this.svg.setPointerCapture(e.pointerId);
    });
    this.svg.addEventListener("pointermove", (e) => {
      if (start === null) return;
      const x = localX(e);
      if (Math.abs(x - start) < 3) return;
      this._drawBrush(Math.min(start, x), Math.max(start, x));
    });
    this.svg.addEventListener("pointerup", (e) => {
      if (start === null) return;
      const x = localX(e);
      const a = Math.min(start, x), b = Math.max(start, x);
      start = null;
      if (b - a < 3) return this.setBrush(null);
      // snapped to whole days: from the day boundary nearest a to the one nearest b (exclusive)
      const d0 = Math.round(this.day(a)), d1 = Math.max(d0, Math.round(this.day(b)) - 1);
      this.setBrush([toIso(d0), toIso(d1)]);
    });
  }

  _drawBrush(x0, x1) {
    let r = this.svg.querySelector("rect.brush");
    if (!r) {
      r = s("rect", { class: "brush" });
      this.svg.append(r);
    }
    r.setAttribute("x", x0);
    r.setAttribute("y", M.top);
    r.setAttribute("width", Math.max(1, x1 - x0));
    r.setAttribute("height", this.height() - M.top - M.bottom);
  }

  render() {
    clear(this.svg);
    if (!this.domain) {
      this.svg.append(s("text", { x: 20, y: 40, fill: "#6b7380", text: "no dated events" }));
      return;
    }
    const W = this.width(), H = this.height();
    const [a, b] = this.domain;
    const max = Math.max(1, ...this.series.map((p) => p.total));
    const yScale = (H - M.top - M.bottom) / max;
    const axis = s("g", { class: "axis" });
    for (const v of [0, max]) {
      const y = H - M.bottom - v * yScale;
      axis.append(s("line", { x1: M.left - 3, x2: W - M.right, y1: y, y2: y }),
        s("text", { x: M.left - 5, y: y + 3, "text-anchor": "end", text: v }));
    }
    // x ticks: months if the domain is short, else quarters or years
    const d0 = new Date(a * DAY), d1 = new Date(b * DAY);
    const months = (d1.getUTCFullYear() - d0.getUTCFullYear()) * 12 + d1.getUTCMonth() - d0.getUTCMonth();
    const step = months <= 14 ? 1 : months <= 40 ? 3 : months <= 150 ? 12 : 24;
    for (let y = d0.getUTCFullYear(), m = d0.getUTCMonth() + 1; ; m++) {
      if (m > 11) { m = 0; y++; }
      const day = Date.UTC(y, m, 1) / DAY;
      if (day > b) break;
      if (m % Math.min(step, 12) !== 0 || (step > 12 && y % (step / 12) !== 0)) continue;
      const x = this.x(day);
      axis.append(s("line", { x1: x, x2: x, y1: H - M.bottom, y2: H - M.bottom + 4 }),
        s("text", { x: x + 2, y: H - 6, text: m === 0 ? String(y) : `${MONTHS[m]}${step > 1 ? " " + String(y).slice(2) : ""}` }));
    }
    this.svg.append(axis);
    const types = Object.keys(TYPE_COLORS);
    const bars = s("g", { class: "bars" });
    const label = { day: "", week: "week of ", month: "month of ", year: "year of " }[this.bucket] ?? "";
    for (const p of this.series) {
      const dStart = toDay(p.t), dEnd = bucketEnd(p.t, this.bucket);
      const x0 = this.x(dStart), x1 = this.x(dEnd);
      const inBrush = !this.brush || (dEnd - 1 >= toDay(this.brush[0]) && dStart <= toDay(this.brush[1]));
      let y = H - M.bottom;
      const c = p.by_type || {};
      for (const t of [...types, ...Object.keys(c).filter((k) => !types.includes(k))]) {
        if (!c[t]) continue;
        const hgt = c[t] * yScale;
        y -= hgt;
        bars.append(s("rect", {
          class: "bar" + (inBrush ? "" : " dimmed"), x: x0, y, width: Math.max(1, x1 - x0 - 0.5), height: hgt,
          fill: typeColor(t), dataset: { type: t, start: p.t, n: c[t] },
        }, s("title", { text: `${label}${p.t}: ${c[t]} × ${t}` })));
      }
    }
    this.svg.append(bars);
    if (this.brush) this._drawBrush(this.x(toDay(this.brush[0])), this.x(toDay(this.brush[1]) + 1));
  }
}
