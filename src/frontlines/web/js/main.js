// The workbench: wires the filters, the timeline brush, the map, the network, the table and the drawer.
import * as api from "./api.js";
import { h } from "./dom.js";
import { MapView } from "./map.js";
import { NetworkView } from "./network.js";
import { Drawer } from "./panel.js";
import { EventTable } from "./table.js";
import { Timeline } from "./timeline.js";

const $ = (sel) => document.querySelector(sel);

class App {
  constructor() {
    this.events = []; // matching the header filters (all dates)
    this.relations = [];
    this.actors = [];
    this.brush = null;
    this.selected = null;
    this.filters = {};
    this.map = new MapView($("#map"), { onSelect: (id) => this.select(id), onCluster: (evs) => this.drawer.showCluster(evs) });
    this.timeline = new Timeline($("#timeline"), { onBrush: (b) => this.setBrush(b, false) });
    this.network = new NetworkView($("#network"), { onActor: (id) => this.drawer.showActor(id) });
    this.table = new EventTable($("#events-table"), {
      filterInput: $("#table-filter"), countEl: $("#table-count"), onSelect: (id) => this.select(id),
    });
    this.drawer = new Drawer($("#drawer"), { app: this });
    this.wire();
  }

  async start() {
    this.meta = await api.get("/api/meta");
    const typeSel = $("#filters select[name=type]");
    for (const [t, subs] of Object.entries(this.meta.event_types)) {
      typeSel.append(h("option", { value: t }, t));
      for (const s of subs) typeSel.append(h("option", { value: s }, `  · ${s}`));
    }
    const levels = this.meta.boundary_levels;
    const load = (lvl) => (levels.includes(lvl) ? api.get(`/api/boundaries/${lvl}`) : Promise.resolve(null));
    const [admin0, admin1, admin2] = await Promise.all([load("admin0"), load("admin1"), load("admin2")]);
    this.map.setBoundaries({ admin0, admin1, admin2 });
    await this.reload();
    await this.checkToken(false);
    document.body.dataset.ready = "1";
  }

  wire() {
    const form = $("#filters");
    let timer = null;
    const changed = () => {
      clearTimeout(timer);
      timer = setTimeout(() => this.applyFilters(), 250);
    };
    form.addEventListener("input", changed);
    form.addEventListener("change", changed);
    form.addEventListener("submit", (e) => { e.preventDefault(); this.applyFilters(); });
    const since = $("#brush-since"), until = $("#brush-until");
    const typed = () => {
      if (since.value && until.value) this.setBrush([since.value, until.value] .sort(), true);
    };
    since.addEventListener("change", typed);
    until.addEventListener("change", typed);
    $("#brush-clear").addEventListener("click", () => this.setBrush(null, true));
    for (const r of document.querySelectorAll("input[name=bin]")) r.addEventListener("change", () => this.timeline.setBin(r.value));
    // token
    const tform = $("#token-form");
    $("#token-toggle").addEventListener("click", () => { tform.hidden = !tform.hidden; });
    tform.addEventListener("submit", async (e) => {
      e.preventDefault();
      api.token.set(String(new FormData(tform).get("token") || "").trim());
      tform.reset();
      await this.checkToken(true);
    });
    $("#token-forget").addEventListener("click", () => { api.token.set(""); this.checkToken(false); });
  }

  async checkToken(report) {
    const who = $("#who");
    if (!api.token.get()) {
      who.textContent = "read-only";
      return;
    }
    try {
      const r = await api.send("GET", "/api/whoami");
      who.textContent = `reviewing as ${r.who}`;
      $("#token-form").hidden = true;
    } catch (err) {
      who.textContent = report ? `token refused (${err.status})` : "token not valid";
    }
  }

  applyFilters() {
    const f = new FormData($("#filters"));
    this.filters = Object.fromEntries([...f.entries()].filter(([, v]) => v !== ""));
    this.reload();
  }

  filterActor(name) {
    $("#filters input[name=actor]").value = name;
    this.drawer.root.hidden = true;
    this.applyFilters();
  }

  async reload() {
    const [ev, rel, actors] = await Promise.all([
      api.get("/api/events", { ...this.filters, limit: 500 }),
      api.get("/api/relations"),
      api.get("/api/actors"),
    ]);
    this.events = ev.events;
    this.relations = rel;
    this.actors = actors;
    this.provisional = new Set(actors.filter((a) => a.provisional).map((a) => a.id));
    this.timeline.setEvents(this.events);
    this.refresh();
  }

  visible() {
    if (!this.brush) return this.events;
    const [a, b] = this.brush;
    return this.events.filter((e) => e.event_date && e.event_date >= a && e.event_date <= b);
  }

  setBrush(brush, fromInputs) {
    this.brush = brush;
    $("#brush-since").value = brush ? brush[0] : "";
    $("#brush-until").value = brush ? brush[1] : "";
    if (fromInputs) this.timeline.setBrush(brush, false);
    this.refresh();
  }

  refresh() {
    const vis = this.visible();
    this.map.setEvents(vis, this.selected);
    this.table.setEvents(vis);
    this.network.setData(vis, this.relations, this.brush ? this.brush[1] : null, this.provisional);
    const q = { ...this.filters };
    if (this.brush) { q.since = this.brush[0]; q.until = this.brush[1]; }
    $("#csv-export").setAttribute("href", api.url("/api/events.csv", q));
    const c = this.meta.counts;
    $("#stats").textContent = `${vis.length} of ${this.events.length} events (from ${c.events} reports) · ${c.documents} documents · ${this.actors.length} actors`;
  }

  select(id) {
    this.selected = id;
    this.map.select(id);
    this.table.select(id);
    if (id) this.drawer.showEvent(id);
  }
}

const app = new App();
window.frontlines = app; // for the browser tests and the curious
app.start().catch((err) => {
  document.body.dataset.ready = "error";
  $("#stats").textContent = `could not load: ${err.message}`;
});
