// The map: the pack's admin boundaries drawn as SVG (no tiles), events as markers coloured by type,
// sized by fatalities, grid-clustered in screen space; wheel/drag/buttons zoom and pan.
import { clear, h, s, typeColor, TYPE_COLORS } from "./dom.js";

const COS = Math.cos((35 * Math.PI) / 180); // equirectangular, true scale at 35°N
const project = (lon, lat) => [lon * COS * 100, -lat * 100];
const CELL = 42; // px: grid cell for clustering
const MAX_SCALE_FACTOR = 60;

function ringsOf(geom) {
  if (!geom) return [];
  if (geom.type === "Polygon") return geom.coordinates;
  if (geom.type === "MultiPolygon") return geom.coordinates.flat();
  return [];
}

function pathData(geom) {
  return ringsOf(geom)
    .map((ring) => "M" + ring.map(([lon, lat]) => project(lon, lat).map((v) => v.toFixed(2)).join(",")).join("L") + "Z")
    .join("");
}

export class MapView {
  constructor(root, { onSelect, onCluster }) {
    this.root = root;
    this.onSelect = onSelect;
    this.onCluster = onCluster;
    this.events = [];
    this.selected = null;
    this.svg = s("svg", { role: "img", "aria-label": "map of events" });
    this.gBase = s("g");
    this.gLabels = s("g");
    this.gMarkers = s("g", { class: "markers" });
    this.svg.append(this.gBase, this.gLabels, this.gMarkers);
    const btn = (label, title, fn) => h("button", { type: "button", title, onclick: fn }, label);
    this.controls = h("div", { class: "map-controls" },
      btn("+", "zoom in", () => this.zoomBy(1.6)),
      btn("−", "zoom out", () => this.zoomBy(1 / 1.6)),
      btn("⤢", "whole country", () => this.reset()));
    this.legend = h("div", { class: "legend" },
      Object.entries(TYPE_COLORS).map(([t, c]) => h("div", {}, h("span", { class: "swatch", style: null, dataset: { type: t } }), t)));
    for (const sw of this.legend.querySelectorAll(".swatch")) sw.style.background = typeColor(sw.dataset.type);
    root.append(this.svg, this.controls, this.legend);
    this._interactions();
    new ResizeObserver(() => this.render()).observe(root);
  }

  setBoundaries({ admin0, admin1, admin2 }) {
    clear(this.gBase);
    clear(this.gLabels);
    this.govs = [];
    for (const f of admin1?.features || []) {
      const name = f.properties.adm1_name || f.properties.name || "";
      const p = s("path", { class: "gov", d: pathData(f.geometry), dataset: { name }, "vector-effect": "non-scaling-stroke" },
        s("title", { text: name }));
      this.gBase.append(p);
      const [x, y] = project(f.properties.center_lon, f.properties.center_lat);
      if (Number.isFinite(x)) this.govs.push({ name, x, y });
    }
    for (const f of admin2?.features || []) {
      this.gBase.append(s("path", { class: "dist", d: pathData(f.geometry), "vector-effect": "non-scaling-stroke" }));
    }
    for (const f of admin0?.features || []) {
      this.gBase.append(s("path", { class: "country", d: pathData(f.geometry), "vector-effect": "non-scaling-stroke" }));
    }
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    for (const f of [...(admin0?.features || []), ...(admin1?.features || [])]) {
      for (const ring of ringsOf(f.geometry)) {
        for (const [lon, lat] of ring) {
          const [x, y] = project(lon, lat);
          x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x); y1 = Math.max(y1, y);
        }
      }
    }
    if (!Number.isFinite(x0)) [x0, y0, x1, y1] = [...project(35.5, 37.5), ...project(42.5, 32.2)];
    const pad = 8;
    this.home = { x: x0 - pad, y: y0 - pad, w: x1 - x0 + 2 * pad, h: y1 - y0 + 2 * pad };
    this.reset();
  }

  reset() {
    if (!this.home) return;
    this.vb = { ...this.home };
    this.render();
  }

  // px per map unit (preserveAspectRatio="xMidYMid meet")
  scale() {
    const r = this.svg.getBoundingClientRect();
    if (!r.width || !r.height) return 1;
    return Math.min(r.width / this.vb.w, r.height / this.vb.h);
  }

  zoomBy(f, cx, cy) {
    if (!this.vb) return;
    const minW = this.home.w / MAX_SCALE_FACTOR;
    const w = Math.min(this.home.w * 2, Math.max(minW, this.vb.w / f));
    const k = w / this.vb.w;
    cx = cx ?? this.vb.x + this.vb.w / 2;
    cy = cy ?? this.vb.y + this.vb.h / 2;
    this.vb = { x: cx - (cx - this.vb.x) * k, y: cy - (cy - this.vb.y) * k, w: this.vb.w * k, h: this.vb.h * k };
    this.render();
  }

  toMap(clientX, clientY) {
    const r = this.svg.getBoundingClientRect();
    const k = this.scale();
    const ox = (r.width - this.vb.w * k) / 2, oy = (r.height - this.vb.h * k) / 2;
    return [this.vb.x + (clientX - r.left - ox) / k, this.vb.y + (clientY - r.top - oy) / k];
  }

  _interactions() {
    this.svg.addEventListener("wheel", (e) => {
      e.preventDefault();
      const [mx, my] = this.toMap(e.clientX, e.clientY);
      this.zoomBy(e.deltaY < 0 ? 1.25 : 0.8, mx, my);
    }, { passive: false });
    let drag = null;
    this.svg.addEventListener("pointerdown", (e) => {
      if (e.target.closest(".marker, .cluster")) return;
      drag = { x: e.clientX, y: e.clientY, vb: { ...this.vb }, moved: false };
      this.svg.setPointerCapture(e.pointerId);
    });
    this.svg.addEventListener("pointermove", (e) => {
      if (!drag) return;
      const k = this.scale();
      const dx = (e.clientX - drag.x) / k, dy = (e.clientY - drag.y) / k;
      if (Math.abs(e.clientX - drag.x) + Math.abs(e.clientY - drag.y) > 3) drag.moved = true;
      if (!drag.moved) return;
      this.svg.classList.add("panning");
      this.vb = { ...drag.vb, x: drag.vb.x - dx, y: drag.vb.y - dy };
      this.render();
    });
    const end = () => { drag = null; this.svg.classList.remove("panning"); };
    this.svg.addEventListener("pointerup", end);
    this.svg.addEventListener("pointercancel", end);
  }

  setEvents(events, selected) {
    this.events = events;
    this.selected = selected ?? this.selected;
    this.render();
  }

  select(id) {
    this.selected = id;
    this.render();
  }

  clusters(k) {
    const cell = CELL / k;
    const cells = new Map();
    for (const ev of this.events) {
      if (ev.latitude == null || ev.longitude == null) continue;
      const [x, y] = project(ev.longitude, ev.latitude);
      const key = `${Math.floor(x / cell)}:${Math.floor(y / cell)}`;
      let c = cells.get(key);
      if (!c) cells.set(key, (c = { members: [], sx: 0, sy: 0 }));
      c.members.push({ ev, x, y });
      c.sx += x;
      c.sy += y;
    }
    return [...cells.values()].map((c) => ({ ...c, x: c.sx / c.members.length, y: c.sy / c.members.length }));
  }

  render() {
    if (!this.vb) return;
    this.svg.setAttribute("viewBox", `${this.vb.x} ${this.vb.y} ${this.vb.w} ${this.vb.h}`);
    const k = this.scale();
    clear(this.gLabels);
    for (const g of this.govs || []) {
      this.gLabels.append(s("text", { class: "gov-label", x: g.x, y: g.y, "font-size": 11 / k, text: g.name }));
    }
    clear(this.gMarkers);
    const clusters = this.clusters(k).sort((a, b) => b.members.length - a.members.length);
    for (const c of clusters.reverse()) {
      if (c.members.length === 1) {
        const { ev, x, y } = c.members[0];
        const r = Math.min(22, 5 + 2.4 * Math.sqrt(ev.fatalities || 0));
        this.gMarkers.append(s("circle", {
          class: "marker" + (ev.id === this.selected ? " selected" : ""), cx: x, cy: y, r: r / k,
          fill: typeColor(ev.event_type), "stroke-width": (ev.id === this.selected ? 3 : 1.5) / k,
          dataset: { eventId: ev.id, type: ev.event_type, admin1: ev.admin1 || "" },
          onclick: (e) => { e.stopPropagation(); this.onSelect(ev.id); },
        }, s("title", { text: `${ev.event_date || "undated"} · ${ev.event_type}: ${ev.sub_event_type} · ${ev.location || ""} · ${ev.fatalities} killed` })));
      } else {
        const counts = {};
        let fat = 0;
        for (const m of c.members) {
          counts[m.ev.event_type] = (counts[m.ev.event_type] || 0) + 1;
          fat += m.ev.fatalities || 0;
        }
        const top = Object.entries(counts).sort((a, b) => b[1] - a[1])[0][0];
        const r = Math.min(30, 10 + 2.5 * Math.sqrt(c.members.length) + 1.5 * Math.sqrt(fat));
        const spread = Math.max(...c.members.map((m) => Math.hypot(m.x - c.x, m.y - c.y)));
        const g = s("g", {
          class: "cluster-g", dataset: { count: c.members.length, admin1: [...new Set(c.members.map((m) => m.ev.admin1 || ""))].join("|") },
        },
        s("circle", {
          class: "cluster", cx: c.x, cy: c.y, r: r / k, fill: typeColor(top), "stroke-width": 1.5 / k,
          onclick: (e) => {
            e.stopPropagation();
            if (spread * k < 2 || this.vb.w <= this.home.w / MAX_SCALE_FACTOR * 1.01) this.onCluster(c.members.map((m) => m.ev));
            else this.zoomBy(3, c.x, c.y);
          },
        }, s("title", { text: Object.entries(counts).map(([t, n]) => `${n} × ${t}`).join("\n") })),
        s("text", { class: "cluster-count", x: c.x, y: c.y, "font-size": 11 / k, text: c.members.length }));
        this.gMarkers.append(g);
      }
    }
  }
}
