// The actor network on cytoscape.js with the fCoSE layout (vendor/; globals cytoscape, cytoscapeFcose):
// the server's graph for the current filters and brush (/api/network: the top actors by degree, or
// one actor's neighbourhood), a search box, edge-type toggles. Click a node to expand its
// neighbourhood, double-click it for the actor's card. Labels are canvas text, never markup.
import * as api from "./api.js";
import { clear, h, RELATION_COLORS } from "./dom.js";

const TOP = 60;
const LABELLED = 30;
let registered = false;

export class NetworkView {
  constructor(root, { search, types, reset, count, onActor, onExpand, track }) {
    this.track = track;
    if (!registered) { cytoscape.use(cytoscapeFcose); registered = true; }
    this.root = root;
    this.onActor = onActor;
    this.onExpand = onExpand; // (actorId | null) -> the app keeps it in the URL
    this.typesEl = types;
    this.countEl = count;
    this.resetBtn = reset;
    this.hidden = new Set(); // edge types switched off
    this.actor = null;
    this.params = {};
    this.fetch = api.latest();
    this.cy = cytoscape({
      container: root, minZoom: 0.2, maxZoom: 4, boxSelectionEnabled: false,
      style: [
        { selector: "node", style: {
          "background-color": "#51607a", width: "data(size)", height: "data(size)", label: "data(short)",
          "font-size": 10, color: "#222", "text-outline-color": "#fff", "text-outline-width": 2, "text-valign": "center", "text-halign": "right", "text-margin-x": 3 } },
        { selector: "node.focus", style: { "background-color": "#2457c5", "border-width": 3, "border-color": "#111", label: "data(label)" } },
        { selector: "node.hit", style: { "border-width": 3, "border-color": "#e08a00", label: "data(label)" } },
        { selector: "edge", style: { "line-color": "data(color)", width: "data(width)", opacity: 0.7, "curve-style": "haystack" } },
        { selector: "edge.off", style: { display: "none" } },
      ],
    });
    this.cy.on("tap", "node", (e) => this.expand(e.target.id()));
    this.cy.on("dbltap", "node", (e) => this.onActor(e.target.id()));
    new ResizeObserver(() => this.cy.resize()).observe(root);
    search.addEventListener("change", () => this.find(search.value));
    reset.addEventListener("click", () => this.expand(null));
  }

  /** After the panel changed size (the Network tab): redraw at the new size, fitted. */
  resize() {
    requestAnimationFrame(() => {
      this.cy.resize();
      if (this.cy.nodes().length) this.cy.fit(undefined, 20);
    });
  }

  setParams(params, actor) {
    this.params = params;
    if (actor !== undefined) this.actor = actor;
    return this.load();
  }

  expand(actorId) {
    this.actor = actorId || null;
    this.onExpand(this.actor);
    return this.track(this.load());
  }

  async find(text) {
    const q = String(text || "").trim().toLowerCase();
    this.cy.nodes().removeClass("hit");
    if (!q) return;
    const hits = this.cy.nodes().filter((n) => n.data("label").toLowerCase().includes(q));
    if (hits.length) {
      hits.addClass("hit");
      this.cy.animate({ fit: { eles: hits, padding: 60 } }, { duration: 200 });
      return;
    }
    // not among the nodes shown: the server finds the actor by name or alias and answers its neighbourhood
    this.expand(String(text).trim());
  }

  async load() {
    // actor=: the events of that actor (its neighbourhood); otherwise the header's actor filter, if any
    const r = await this.fetch("/api/network", { ...this.params, top: TOP, ...(this.actor ? { actor: this.actor } : {}) });
    if (!r) return null;
    this.data = r;
    this.draw(r);
    return r;
  }

  draw({ nodes, edges, total_actors: total }) {
    const cy = this.cy;
    const maxDeg = Math.max(1, ...nodes.map((n) => n.degree || 0));
    const labelled = new Set([...nodes].sort((a, b) => (b.degree || 0) - (a.degree || 0)).slice(0, LABELLED).map((n) => n.id));
    cy.elements().remove();
    cy.add(nodes.map((n) => ({
      group: "nodes",
      data: { id: n.id, label: n.label || n.id, short: labelled.has(n.id) || n.id === this.actor ? n.label || n.id : "",
        size: 8 + 22 * Math.sqrt((n.degree || 0) / maxDeg), degree: n.degree, events: n.events, inter: n.inter },
      classes: n.id === this.actor ? "focus" : "",
    })));
    const ids = new Set(nodes.map((n) => n.id));
    cy.add(edges.filter((e) => ids.has(e.source) && ids.has(e.target) && e.source !== e.target).map((e, i) => ({
      group: "edges",
      data: { id: `e${i}`, source: e.source, target: e.target, type: e.type, count: e.count,
        color: RELATION_COLORS[e.type] || "#999", width: Math.min(6, 1 + Math.sqrt(e.count || 1)) },
      classes: this.hidden.has(e.type) ? "off" : "",
    })));
    if (nodes.length) cy.layout({ name: "fcose", quality: "default", animate: false, randomize: true, nodeRepulsion: 8000, idealEdgeLength: 60, padding: 20 }).run();
    this.root.dataset.nodes = String(nodes.length);
    this.root.dataset.edges = String(edges.length);
    this.countEl.textContent = this.actor
      ? `neighbourhood: ${nodes.length} actors`
      : `${nodes.length} of ${Number(total ?? nodes.length).toLocaleString("en")} actors (top by degree)`;
    this.resetBtn.hidden = !this.actor;
    this.toggles(edges);
  }

  toggles(edges) {
    clear(this.typesEl);
    for (const t of [...new Set(edges.map((e) => e.type))].sort()) {
      const sw = h("span", { class: "swatch line" });
      sw.style.background = RELATION_COLORS[t] || "#999";
      const box = h("input", { type: "checkbox", checked: !this.hidden.has(t), dataset: { type: t } });
      box.addEventListener("change", () => {
        if (box.checked) this.hidden.delete(t); else this.hidden.add(t);
        this.cy.edges().filter((e) => e.data("type") === t).toggleClass("off", !box.checked);
      });
      this.typesEl.append(h("label", { class: "chip" }, box, sw, t === "co_occurs" || t === "co_event" ? "same event" : t.replace(/_/g, " ")));
    }
  }
}
