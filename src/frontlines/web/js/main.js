// The workbench: wires the filters, the timeline brush, the map, the network, the table, the audit
// page and the drawer, and keeps all of it in the URL (state.js).
import * as api from "./api.js";
import { AuditView } from "./audit.js";
import { h } from "./dom.js";
import { MapView } from "./map.js";
import { NetworkView } from "./network.js";
import { Drawer } from "./panel.js";
import { filterParams, FILTER_KEYS, formatView, parseView, readState, writeState } from "./state.js";
import { EventTable } from "./table.js";
import { Timeline } from "./timeline.js";

const $ = (sel) => document.querySelector(sel);

class App {
  constructor() {
    this.state = readState();
    this.actorList = null; // loaded when the drawer first needs it (a review form's names, an actor merge)
    this.pending = 0;
    this.map = new MapView($("#map"), {
      onSelect: (id) => this.select(id),
      onCluster: (c) => this.drawer.showCluster(c),
      onView: (zoom, lat, lon) => this.save({ map: formatView(zoom, lat, lon) }),
      track: (p) => this.track(p),
    });
    this.timeline = new Timeline($("#timeline"), { onBrush: (b) => this.setBrush(b, false) });
    this.network = new NetworkView($("#network"), {
      search: $("#network-search"), types: $("#network-types"), reset: $("#network-reset"), count: $("#network-count"),
      onActor: (id) => this.drawer.showActor(id), onExpand: (id) => this.save({ net: id }), track: (p) => this.track(p),
    });
    this.table = new EventTable($("#events-table"), {
      countEl: $("#table-count"), prev: $("#table-prev"), next: $("#table-next"), onSelect: (id) => this.select(id),
      onPage: (sort, order, offset) => this.save({ sort: sort === "event_date" ? null : sort, order: order === "asc" ? null : order, offset: offset || null }),
      track: (p) => this.track(p),
    });
    this.audit = new AuditView({
      form: $("#audit-filters"), table: $("#audit-table"), count: $("#audit-count"), prev: $("#audit-prev"), next: $("#audit-next"),
      onEvent: (id) => this.select(id), track: (p) => this.track(p),
    });
    this.drawer = new Drawer($("#drawer"), { app: this });
    this.wire();
  }

  /** Merge `patch` into the state and the URL. */
  save(patch) {
    Object.assign(this.state, patch);
    writeState(this.state);
  }

  /** The filters and the brush, as every data endpoint takes them. */
  params() {
    return filterParams(this.state);
  }

  /** Count a load in body[data-pending] (the tests wait for 0). */
  track(promise) {
    this.pending += 1;
    document.body.dataset.pending = String(this.pending);
    const done = () => { this.pending -= 1; document.body.dataset.pending = String(this.pending); };
    promise.then(done, done);
    return promise;
  }

  async start() {
    this.meta = await api.get("/api/meta");
    const typeSel = $("#filters select[name=type]");
    for (const [t, subs] of Object.entries(this.meta.event_types)) {
      typeSel.append(h("option", { value: t }, t));
      for (const s of subs) typeSel.append(h("option", { value: s }, `  · ${s}`));
    }
    this.fillForm();
    const levels = this.meta.boundary_levels;
    const load = (lvl) => (levels.includes(lvl) ? api.get(`/api/boundaries/${lvl}`) : Promise.resolve(null));
    const [admin0, admin1] = await Promise.all([load("admin0"), load("admin1")]);
    this.map.params = this.params();
    this.map.setBase({ admin0, admin1, load, view: parseView(this.state.map) });
    this.track(this.map.loadNeighbours(this.meta));
    if (this.state.since && this.state.until) this.setBrushInputs([this.state.since, this.state.until]);
    this.table.restore(this.state);
    this.showTab(this.state.tab || "overview");
    await this.track(Promise.all([this.loadAll(true), this.map.refreshPlaces(), this.checkToken(false)]));
    if (this.state.event) this.select(this.state.event);
    document.body.dataset.ready = "1";
  }

  fillForm() {
    const form = $("#filters");
    for (const k of FILTER_KEYS) {
      const el = form.elements[k];
      if (!el) continue;
      if (el.type === "checkbox") el.checked = this.state[k] === "true";
      else el.value = this.state[k] || "";
    }
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
      if (since.value && until.value) this.setBrush([since.value, until.value].sort(), true);
    };
    since.addEventListener("change", typed);
    until.addEventListener("change", typed);
    $("#brush-clear").addEventListener("click", () => this.setBrush(null, true));
    for (const b of document.querySelectorAll("#tabs [data-tab]")) b.addEventListener("click", () => this.showTab(b.dataset.tab));
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

  showTab(tab) {
    tab = ["audit", "network"].includes(tab) ? tab : "overview";
    this.save({ tab: tab === "overview" ? null : tab });
    $("#views").hidden = tab === "audit";
    $("#views").classList.toggle("network-tab", tab === "network");
    $("#audit-view").hidden = tab !== "audit";
    for (const b of document.querySelectorAll("#tabs [data-tab]")) b.setAttribute("aria-selected", String(b.dataset.tab === tab));
    if (tab === "audit") this.track(this.audit.load());
    else {
      this.map.map.invalidateSize();
      this.network.resize();
    }
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
    const patch = {};
    for (const k of FILTER_KEYS) patch[k] = f.get(k) || null;
    this.save({ ...patch, offset: null, net: null });
    this.network.actor = null;
    return this.track(this.loadAll(false));
  }

  filterActor(name) {
    $("#filters input[name=actor]").value = name;
    this.drawer.root.hidden = true;
    this.applyFilters();
  }

  /** The store's actors (names for the review form, candidates for a merge), fetched once, on demand. */
  actors() {
    if (!this.actorList) this.actorList = api.get("/api/actors", { limit: 2000 }).catch((err) => { this.actorList = null; throw err; });
    return this.actorList;
  }

  /** After a review: everything again; the actors too, next time they are needed (an alias or a merge changes them). */
  reload() {
    this.actorList = null;
    return this.track(this.loadAll(true));
  }

  /** The timeline (filters, no brush), then everything the brush narrows. */
  async loadAll(keepPage) {
    const tl = api.get("/api/timeline", { ...filterParams(this.state, { brush: false }), bucket: "auto" }).then((r) => {
      if (r) {
        this.timeline.setSeries(r);
        $("#timeline-bucket").textContent = `per ${r.bucket}`;
      }
    });
    await Promise.all([tl, this.loadBrushed(keepPage)]);
  }

  async loadBrushed(keepPage = false) {
    const p = this.params();
    $("#csv-export").setAttribute("href", api.url("/api/events.csv", p));
    const [m] = await Promise.all([
      this.map.setParams(p, this.state.event),
      this.table.setParams(p, keepPage),
      this.network.setParams(p, keepPage ? this.state.net || null : null),
    ]);
    if (m) {
      const c = this.meta.counts;
      $("#stats").textContent = `${m.total.toLocaleString("en")} events · ${c.documents.toLocaleString("en")} documents`;
      $("#stats").title = `${m.total} events match${this.state.since ? " in the brushed period" : ""}; the store holds ${c.events} reports from ${c.documents} documents`;
      $("#stats").dataset.total = String(m.total);
    }
  }

  setBrushInputs(brush) {
    $("#brush-since").value = brush ? brush[0] : "";
    $("#brush-until").value = brush ? brush[1] : "";
    this.timeline.setBrush(brush, false);
  }

  setBrush(brush, fromInputs) {
    this.save({ since: brush ? brush[0] : null, until: brush ? brush[1] : null, offset: null, net: null });
    this.network.actor = null;
    if (fromInputs) this.timeline.setBrush(brush, false);
    $("#brush-since").value = brush ? brush[0] : "";
    $("#brush-until").value = brush ? brush[1] : "";
    return this.track(this.loadBrushed(false));
  }

  select(id) {
    this.save({ event: id || null });
    this.map.select(id);
    this.table.select(id);
    if (id) this.track(this.drawer.showEvent(id));
  }
}

const app = new App();
window.frontlines = app; // for the browser tests and the curious
app.start().catch((err) => {
  document.body.dataset.ready = "error";
  $("#stats").textContent = `could not load: ${err.message}`;
});
