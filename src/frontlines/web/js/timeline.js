// The timeline: events per day or week, stacked by type; drag to brush a period (filters the map,
// the table and the network), click to clear.
import { clear, s, typeColor, TYPE_COLORS } from "./dom.js";

const DAY = 86400000;
const M = { left: 28, right: 10, top: 6, bottom: 20 };
export const toDay = (iso) => Date.parse(iso + "T00:00:00Z") / DAY; // days since epoch (UTC)
export const toIso = (day) => new Date(Math.round(day) * DAY).toISOString().slice(0, 10);
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

export class Timeline {
  constructor(root, { onBrush }) {
    this.root = root;
    this.onBrush = onBrush;
    this.events = [];
    this.brush = null; // [sinceIso, untilIso]
    this.binMode = "auto";
    this.svg = s("svg", { role: "img", "aria-label": "events over time" });
    root.append(this.svg);
    this._interactions();
    new ResizeObserver(() => this.render()).observe(root);
  }

  setEvents(events) {
    this.events = events.filter((e) => e.event_date);
    const days = this.events.map((e) => toDay(e.event_date));
    if (days.length) {
      const lo = Math.min(...days), hi = Math.max(...days);
      const pad = Math.max(7, (hi - lo) * 0.03);
      this.domain = [lo - pad, hi + pad + 1];
    } else {
      this.domain = null;
    }
    this.render();
  }

  setBin(mode) {
    this.binMode = mode;
    this.render();
  }

  binDays() {
    if (this.binMode === "day") return 1;
    if (this.binMode === "week") return 7;
    return this.domain && this.domain[1] - this.domain[0] <= 150 ? 1 : 7;
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
    const bin = this.binDays();
    const [a, b] = this.domain;
    // bins aligned to Mondays (epoch day 4 was a Monday) when weekly
    const origin = bin === 7 ? Math.floor((a - 4) / 7) * 7 + 4 : Math.floor(a);
    const bins = new Map();
    for (const ev of this.events) {
      const d = toDay(ev.event_date);
      const i = Math.floor((d - origin) / bin);
      let c = bins.get(i);
      if (!c) bins.set(i, (c = {}));
      c[ev.event_type] = (c[ev.event_type] || 0) + 1;
    }
    let max = 1;
    for (const c of bins.values()) max = Math.max(max, Object.values(c).reduce((p, q) => p + q, 0));
    const yScale = (H - M.top - M.bottom) / max;
    const axis = s("g", { class: "axis" });
    // y ticks
    for (const v of [0, max]) {
      const y = H - M.bottom - v * yScale;
      axis.append(s("line", { x1: M.left - 3, x2: W - M.right, y1: y, y2: y }),
        s("text", { x: M.left - 5, y: y + 3, "text-anchor": "end", text: v }));
    }
    // x ticks: months if the domain is short, else years (with quarter marks)
    const d0 = new Date(a * DAY), d1 = new Date(b * DAY);
    const months = (d1.getUTCFullYear() - d0.getUTCFullYear()) * 12 + d1.getUTCMonth() - d0.getUTCMonth();
    const step = months <= 14 ? 1 : months <= 40 ? 3 : 12;
    for (let y = d0.getUTCFullYear(), m = d0.getUTCMonth() + 1; ; m++) {
      if (m > 11) { m = 0; y++; }
      const day = Date.UTC(y, m, 1) / DAY;
      if (day > b) break;
      if (m % step !== 0) continue;
      const x = this.x(day);
      axis.append(s("line", { x1: x, x2: x, y1: H - M.bottom, y2: H - M.bottom + 4 }),
        s("text", { x: x + 2, y: H - 6, text: m === 0 ? String(y) : `${MONTHS[m]}${step > 1 ? " " + String(y).slice(2) : ""}` }));
    }
    this.svg.append(axis);
    const types = Object.keys(TYPE_COLORS);
    const bars = s("g", { class: "bars" });
    for (const [i, c] of bins) {
      const dStart = origin + i * bin;
      const x0 = this.x(dStart), x1 = this.x(dStart + bin);
      const inBrush = !this.brush || (dStart + bin - 1 >= toDay(this.brush[0]) && dStart <= toDay(this.brush[1]));
      let y = H - M.bottom;
      for (const t of [...types, ...Object.keys(c).filter((k) => !types.includes(k))]) {
        if (!c[t]) continue;
        const hgt = c[t] * yScale;
        y -= hgt;
        bars.append(s("rect", {
          class: "bar" + (inBrush ? "" : " dimmed"), x: x0, y, width: Math.max(1, x1 - x0 - 0.5), height: hgt,
          fill: typeColor(t), dataset: { type: t, start: toIso(dStart), n: c[t] },
        }, s("title", { text: `${bin === 7 ? "week of " : ""}${toIso(dStart)}: ${c[t]} × ${t}` })));
      }
    }
    this.svg.append(bars);
    if (this.brush) this._drawBrush(this.x(toDay(this.brush[0])), this.x(toDay(this.brush[1]) + 1));
  }
}
