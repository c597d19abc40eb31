// The map, on Leaflet (vendor/leaflet; global L) with no tiles: the neighbouring countries (world-atlas),
// the pack's admin1 boundaries always, admin2 from zoom 8 and admin3 from zoom 10, governorate and
// place labels (/api/places), and the events as the server aggregates them for the view (/api/map).
// Symbols and labels are Leaflet markers and circle markers: their size is in screen pixels, so it
// stays the same at every zoom. Everything shown (labels, tooltips, the legend) is built with h().
import * as api from "./api.js";
import { h, typeColor, TYPE_COLORS } from "./dom.js";

const LEVEL_ZOOM = { admin2: 8, admin3: 10 }; // zoom from which a level's boundaries are drawn
const MAX_ZOOM = 14;
export const clusterSize = (count) => Math.round(Math.min(54, 18 + 7 * Math.log10(count) * 2)); // px, by count only
export const eventRadius = (fatalities) => Math.round(Math.min(20, 5 + 2.2 * Math.sqrt(fatalities || 0))); // px
const nameOf = (p) => p.adm1_name || p.adm2_name || p.adm3_name || p.name || "";

/** The type with most events, and a conic-gradient pie of the types (set through CSSOM, not markup). */
function pie(byType) {
  const entries = Object.entries(byType || {}).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1]);
  const total = entries.reduce((s, [, n]) => s + n, 0) || 1;
  let at = 0;
  const stops = entries.map(([t, n]) => {
    const from = (at / total) * 360;
    at += n;
    return `${typeColor(t)} ${from.toFixed(1)}deg ${((at / total) * 360).toFixed(1)}deg`;
  });
  return { top: entries[0] ? entries[0][0] : null, background: stops.length ? `conic-gradient(${stops.join(", ")})` : "#7f7f7f" };
}

export class MapView {
  constructor(root, { onSelect, onCluster, onView, track }) {
    this.root = root;
    this.onSelect = onSelect;
    this.onCluster = onCluster;
    this.onView = onView;
    this.track = track;
    this.params = {};
    this.selected = null;
    this.units = new Map(); // admin1 pcode or name -> unit
    this.fetchMap = api.latest();
    this.fetchPlaces = api.latest();
    const map = (this.map = L.map(root, { attributionControl: false, zoomSnap: 0.5, minZoom: 4, maxZoom: MAX_ZOOM, zoomControl: true }));
    // panes, bottom to top: boundaries (overlayPane 400), labels 450, single events 500, clusters (markerPane 600)
    map.createPane("labels").style.zIndex = 450;
    map.createPane("events").style.zIndex = 500;
    this.eventsRenderer = L.svg({ pane: "events" });
    this.layers = {
      neighbours: L.layerGroup().addTo(map),
      admin1: null, admin2: null, admin3: null,
      govLabels: L.layerGroup().addTo(map),
      places: L.layerGroup().addTo(map),
      events: L.layerGroup().addTo(map),
    };
    this.legend = this._legend().addTo(map);
    this.unitBox = this._unitBox().addTo(map);
    map.on("zoomend", () => this._levels());
    // a move (an animated zoom too) counts as a load until it ends and its data came
    let moved = null;
    map.on("movestart", () => {
      if (moved || !this.home) return;
      track(new Promise((resolve) => { moved = resolve; }));
    });
    map.on("moveend", () => {
      if (!this.home) return; // the first view is set in setBase; the app loads it with everything else
      const c = map.getCenter();
      this.onView(map.getZoom(), c.lat, c.lng);
      track(Promise.all([this.refresh(), this.refreshPlaces()]));
      if (moved) { moved(); moved = null; }
    });
    new ResizeObserver(() => map.invalidateSize()).observe(root);
  }

  // ------------------------------------------------------------------ base layers

  /** The pack's country and governorates now; districts and sub-districts (`load(level)`) when zoomed in. */
  setBase({ admin0, admin1, load, view }) {
    const map = this.map;
    this.loadLevel = load;
    if (admin0) L.geoJSON(admin0, { interactive: false, style: { className: "country", weight: 2, color: "#4b5563", fill: false } }).addTo(map);
    this.layers.admin1 = L.geoJSON(admin1, {
      style: (f) => this._govStyle(f),
      onEachFeature: (f, layer) => {
        const name = nameOf(f.properties);
        layer.bindTooltip(h("span", {}, name), { sticky: true, direction: "top" });
        layer.on("click", () => map.fitBounds(layer.getBounds(), { padding: [12, 12] }));
        layer.on("add", () => {
          const el = layer.getElement();
          if (el) { el.dataset.name = name; el.dataset.pcode = f.properties.adm1_pcode || ""; }
        });
      },
    }).addTo(map);
    for (const f of admin1?.features || []) {
      const p = f.properties;
      if (!Number.isFinite(p.center_lat) || !Number.isFinite(p.center_lon)) continue;
      L.marker([p.center_lat, p.center_lon], {
        pane: "labels", interactive: false, keyboard: false,
        icon: L.divIcon({ className: "gov-label", html: h("span", { dataset: { name: nameOf(p) } }, nameOf(p)), iconSize: null }),
      }).addTo(this.layers.govLabels);
    }
    const home = this.layers.admin1.getBounds();
    if (view) map.setView([view.lat, view.lon], view.zoom, { animate: false });
    else map.fitBounds(home, { animate: false });
    this.home = home;
    this._levels();
  }

  reset() {
    if (this.home) this.map.fitBounds(this.home);
  }

  /** The countries around the pack's (its bbox from /api/meta, padded), from world-atlas (TopoJSON decoded by
   * topojson-client), drawn under everything whenever they arrive; the pack's own (its ISO number) is left out. */
  async loadNeighbours(meta) {
    const bbox = meta.bbox;
    if (!bbox) return;
    const topo = await api.get("/static/vendor/world-atlas/countries-50m.json").catch(() => null);
    if (!topo) return;
    const pad = 6;
    const own = meta.iso != null ? String(meta.iso).padStart(3, "0") : null;
    const near = topojson.feature(topo, topo.objects.countries).features.filter((f) => {
      if (own && f.id === own) return false;
      let w = 180, s = 90, e = -180, n = -90;
      const walk = (c) => (typeof c[0] === "number" ? ([w, s, e, n] = [Math.min(w, c[0]), Math.min(s, c[1]), Math.max(e, c[0]), Math.max(n, c[1])]) : c.forEach(walk));
      walk(f.geometry ? f.geometry.coordinates : []);
      return !(e < bbox[0] - pad || w > bbox[2] + pad || n < bbox[1] - pad || s > bbox[3] + pad);
    });
    for (const f of near) {
      L.geoJSON(f, { interactive: false, style: { className: "country-nb", weight: 1, color: "#9aa3ad", fillColor: "#eceae4", fillOpacity: 1 } })
        .addTo(this.layers.neighbours);
    }
  }

  /** Districts from zoom 8, sub-districts from 10: fetched the first time, then shown or hidden. */
  _levels() {
    const z = this.map.getZoom();
    this.root.dataset.zoom = String(z);
    const loads = [];
    for (const [lvl, from] of Object.entries(LEVEL_ZOOM)) {
      const layer = this.layers[lvl]; // null: not fetched; undefined: on its way; false: the pack has none
      if (z < from) {
        if (layer && this.map.hasLayer(layer)) this.map.removeLayer(layer);
      } else if (layer) {
        if (!this.map.hasLayer(layer)) layer.addTo(this.map);
      } else if (layer === null && this.loadLevel) {
        this.layers[lvl] = undefined;
        const cls = lvl === "admin2" ? "dist" : "subdist";
        loads.push(this.loadLevel(lvl).then((geo) => {
          this.layers[lvl] = geo ? L.geoJSON(geo, { interactive: false, style: { className: cls, weight: cls === "dist" ? 0.9 : 0.6, color: "#aab1ba", fill: false } }) : false;
          this._levels();
        }, () => { this.layers[lvl] = null; }));
      }
    }
    if (loads.length) this.track(Promise.all(loads));
  }

  _govStyle(f) {
    const u = this.units.get(f.properties.adm1_pcode) || this.units.get(nameOf(f.properties));
    const max = Math.max(1, ...[...this.units.values()].filter((x) => x.level === "admin1").map((x) => x.count));
    const k = u ? 0.1 + 0.35 * (u.count / max) : 0;
    return { className: "gov", weight: 1.2, color: "#7b8491", fillColor: u ? "#8e5ea2" : "#fbfaf6", fillOpacity: u ? k : 1 };
  }

  // ------------------------------------------------------------------ labels

  async refreshPlaces() {
    const b = this.map.getBounds();
    const bbox = [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v, i) => Math.max(i % 2 ? -90 : -180, Math.min(i % 2 ? 90 : 180, v)).toFixed(4)).join(",");
    const places = await this.fetchPlaces("/api/places", { zoom: this.map.getZoom(), bbox, limit: 40 }).catch(() => null);
    if (!places) return;
    this.layers.places.clearLayers();
    for (const p of places) {
      L.marker([p.lat, p.lon], {
        pane: "labels", interactive: false, keyboard: false,
        icon: L.divIcon({ className: `place-label ${p.kind}`, html: h("span", { dataset: { placeId: p.id } }, h("i"), p.name), iconSize: null }),
      }).addTo(this.layers.places);
    }
    this.declutter();
  }

  /** Hide a place label that would overlap a governorate's or a bigger place's (the server sends the biggest first). */
  declutter() {
    const kept = [...this.root.querySelectorAll(".gov-label span")].map((el) => el.getBoundingClientRect());
    const overlaps = (r) => kept.some((k) => r.left < k.right + 2 && r.right > k.left - 2 && r.top < k.bottom && r.bottom > k.top);
    for (const el of this.root.querySelectorAll(".place-label span")) {
      el.classList.remove("clutter");
      const r = el.getBoundingClientRect();
      const hide = overlaps(r);
      el.classList.toggle("clutter", hide);
      if (!hide) kept.push(r);
    }
  }

  // ------------------------------------------------------------------ events

  setParams(params, selected) {
    this.params = params;
    this.selected = selected ?? this.selected;
    return this.refresh();
  }

  select(id) {
    this.selected = id;
    for (const el of this.root.querySelectorAll(".marker.selected")) el.classList.remove("selected");
    if (id) for (const el of this.root.querySelectorAll(".marker")) if (el.dataset.eventId === id) el.classList.add("selected");
  }

  async refresh() {
    if (!this.home) return null;
    const b = this.map.getBounds().pad(0.25);
    const clamp = (v, lim) => Math.max(-lim, Math.min(lim, v)).toFixed(4);
    const bbox = [clamp(b.getWest(), 180), clamp(b.getSouth(), 90), clamp(b.getEast(), 180), clamp(b.getNorth(), 90)].join(",");
    const zoom = this.map.getZoom();
    const data = await this.fetchMap("/api/map", { ...this.params, zoom: Math.round(zoom), bbox });
    if (!data) return null; // replaced by a newer request
    this.data = data;
    this.draw(data);
    return data;
  }

  draw(data) {
    const layer = this.layers.events;
    layer.clearLayers();
    for (const c of data.clusters) {
      const { top, background } = pie(c.by_type);
      const approx = c.approx > 0 && c.approx === c.count;
      const types = Object.entries(c.by_type || {}).map(([t, n]) => `${n} × ${t}`).join("\n");
      if (c.count === 1) {
        const m = L.circleMarker([c.lat, c.lon], {
          renderer: this.eventsRenderer, radius: eventRadius(c.fatalities), fillColor: typeColor(top), fillOpacity: 0.9,
          color: approx ? "#222" : "#fff", weight: approx ? 1.5 : 1.5, dashArray: approx ? "3 3" : null,
          className: "marker" + (approx ? " approx" : ""),
        });
        m.bindTooltip(h("span", {}, `${top || "event"} · ${c.fatalities || 0} killed${approx ? " · place approximate" : ""}`), { direction: "top" });
        m.on("click", () => this.onSelect(c.event_id));
        m.on("add", () => {
          const el = m.getElement();
          el.dataset.eventId = c.event_id;
          el.dataset.type = top || "";
          el.dataset.lat = c.lat;
          el.dataset.lon = c.lon;
          if (c.event_id === this.selected) el.classList.add("selected");
        });
        m.addTo(layer);
        continue;
      }
      const d = clusterSize(c.count);
      const disc = h("div", { class: "pie" });
      disc.style.background = background; // CSSOM, allowed by the CSP (no inline style attribute)
      const el = h("div", {
        class: "cluster" + (approx ? " approx" : c.approx ? " some-approx" : ""),
        dataset: { count: c.count, type: top || "", lat: c.lat, lon: c.lon }, title: `${c.count} events\n${types}${c.approx ? `\n${c.approx} with an approximate place` : ""}`,
      }, disc, h("span", { class: "count" }, c.count >= 10000 ? `${Math.round(c.count / 1000)}k` : String(c.count)));
      const m = L.marker([c.lat, c.lon], { icon: L.divIcon({ className: "cluster-icon", html: el, iconSize: [d, d] }), keyboard: false });
      m.on("click", () => this.clusterClick(c));
      m.addTo(layer);
    }
    // precision 3: shade the governorate, list the rest apart
    this.units = new Map();
    for (const u of data.units || []) if (u.level === "admin1") this.units.set(u.pcode || u.name, u);
    if (this.layers.admin1) this.layers.admin1.setStyle((f) => this._govStyle(f));
    this._fillUnits(data.units || []);
  }

  clusterClick(c) {
    const [w, s, e, n] = c.bbox || [c.lon, c.lat, c.lon, c.lat];
    const z = this.map.getZoom();
    const span = Math.max(e - w, n - s);
    if (z >= MAX_ZOOM - 0.5 || span < 1e-4) {
      this.onCluster(c);
      return;
    }
    this.map.fitBounds([[s, w], [n, e]], { padding: [40, 40], maxZoom: Math.min(MAX_ZOOM, z + 3) });
  }

  // ------------------------------------------------------------------ controls

  _legend() {
    const ctl = L.control({ position: "topright" });
    ctl.onAdd = () => {
      const sw = (t) => { const e = h("span", { class: "swatch" }); e.style.background = typeColor(t); return e; };
      const ring = (d, cls) => { const e = h("span", { class: `ring ${cls}` }); e.style.width = e.style.height = `${d}px`; return e; };
      const el = h("details", { class: "map-legend", id: "map-legend" },
        h("summary", {}, "Legend"),
        h("div", { class: "legend-body" },
          h("h5", {}, "Event type"),
          Object.keys(TYPE_COLORS).map((t) => h("div", {}, sw(t), t)),
          h("h5", {}, "Size"),
          h("div", { class: "sizes" }, [10, 100, 1000].map((n) => h("span", {}, ring(clusterSize(n), "cl"), `${n}`)), " events (pie: types)"),
          h("div", { class: "sizes" }, [0, 10, 50].map((n) => h("span", {}, ring(eventRadius(n) * 2, "ev"), `${n}`)), " killed (one event)"),
          h("h5", {}, "Where"),
          h("div", {}, ring(12, "ev"), "at the place reported"),
          h("div", {}, ring(12, "ev approx"), "near it (approximate)"),
          h("div", {}, h("span", { class: "swatch shade" }), "known only to the governorate: shaded"),
          h("p", { class: "muted" }, "Boundaries: OCHA COD-AB via the pack; countries: Natural Earth; no tiles.")));
      L.DomEvent.disableClickPropagation(el);
      L.DomEvent.disableScrollPropagation(el);
      return el;
    };
    return ctl;
  }

  _unitBox() {
    const ctl = L.control({ position: "bottomleft" });
    ctl.onAdd = () => {
      this.unitEl = h("div", { class: "unit-box", id: "unit-box" });
      L.DomEvent.disableClickPropagation(this.unitEl);
      return this.unitEl;
    };
    return ctl;
  }

  _fillUnits(units) {
    const el = this.unitEl;
    el.replaceChildren();
    const country = units.filter((u) => u.level !== "admin1").reduce((s, u) => s + u.count, 0);
    const regional = units.filter((u) => u.level === "admin1").sort((a, b) => b.count - a.count);
    el.hidden = !country && !regional.length;
    el.append(h("div", { class: "country-count", dataset: { count: country } }, `country-level: ${country} events`));
    if (regional.length) {
      el.append(h("div", { class: "regional", title: "events known only to their governorate (shaded on the map)" },
        "governorate only: ", regional.map((u, i) => h("span", { class: "unit", dataset: { pcode: u.pcode || "", name: u.name || "", count: u.count } },
          `${i ? " · " : ""}${u.name || u.pcode} ${u.count}`))));
    }
  }
}
