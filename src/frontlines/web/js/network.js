// The actor network as of the brushed period: actors named by the visible events (co-occurrence in
// an event = grey edge) plus relations dated up to the brush's end, coloured by relation type.
// A small force layout drawn in SVG; positions persist between renders so the graph stays put.
import { clear, h, s, RELATION_COLORS } from "./dom.js";

const MAX_NODES = 70;

export function buildGraph(events, relations, until) {
  const nodes = new Map();
  const edges = new Map();
  const node = (id, label) => {
    if (!id) return null;
    let n = nodes.get(id);
    if (!n) nodes.set(id, (n = { id, label: label || id, events: 0, degree: 0 }));
    return n;
  };
  const edge = (a, b, type, weight = 1) => {
    if (!a || !b || a.id === b.id) return;
    const [x, y] = type === "co_occurs" || type === "allied_with" || type === "clashed_with" ? [a, b].sort((p, q) => (p.id < q.id ? -1 : 1)) : [a, b];
    const key = `${type}|${x.id}|${y.id}`;
    let e = edges.get(key);
    if (!e) edges.set(key, (e = { source: x.id, target: y.id, type, weight: 0 }));
    e.weight += weight;
  };
  for (const ev of events) {
    const side1 = [node(ev.actor1_id, ev.actor1)];
    (ev.assoc_actor_1 || []).forEach((name, i) => side1.push(node((ev.assoc_actor_1_ids || [])[i] || `name:${name}`, name)));
    const side2 = [node(ev.actor2_id, ev.actor2)];
    (ev.assoc_actor_2 || []).forEach((name, i) => side2.push(node((ev.assoc_actor_2_ids || [])[i] || `name:${name}`, name)));
    const all = [...side1, ...side2].filter(Boolean);
    for (const n of all) n.events += 1;
    for (let i = 0; i < all.length; i++) for (let j = i + 1; j < all.length; j++) edge(all[i], all[j], "co_occurs");
  }
  for (const r of relations) {
    if (until && r.date && r.date > until) continue;
    edge(node(r.source_id, r.source), node(r.target_id, r.target), r.type);
  }
  for (const e of edges.values()) {
    nodes.get(e.source).degree += e.weight;
    nodes.get(e.target).degree += e.weight;
  }
  let list = [...nodes.values()].sort((a, b) => b.degree + b.events - (a.degree + a.events));
  list = list.slice(0, MAX_NODES);
  const keep = new Set(list.map((n) => n.id));
  return { nodes: list, edges: [...edges.values()].filter((e) => keep.has(e.source) && keep.has(e.target)) };
}

function layout(nodes, edges, W, H, memory) {
  const idx = new Map(nodes.map((n, i) => [n.id, i]));
  const P = nodes.map((n, i) => {
    const m = memory.get(n.id);
    if (m) return { x: m.x, y: m.y };
    // deterministic start: a spiral
    const a = i * 2.399963, r = 12 * Math.sqrt(i + 1);
    return { x: W / 2 + r * Math.cos(a), y: H / 2 + r * Math.sin(a) };
  });
  const k = Math.sqrt((W * H) / Math.max(1, nodes.length)) * 0.62;
  let t = Math.min(W, H) / 8;
  for (let it = 0; it < 260; it++) {
    const D = P.map(() => ({ x: 0, y: 0 }));
    for (let i = 0; i < P.length; i++) {
      for (let j = i + 1; j < P.length; j++) {
        let dx = P[i].x - P[j].x, dy = P[i].y - P[j].y;
        let d = Math.hypot(dx, dy);
        if (d < 0.01) { dx = 0.1 * (i - j); dy = 0.1; d = Math.hypot(dx, dy); }
        const f = (k * k) / d;
        D[i].x += (dx / d) * f; D[i].y += (dy / d) * f;
        D[j].x -= (dx / d) * f; D[j].y -= (dy / d) * f;
      }
    }
    for (const e of edges) {
      const i = idx.get(e.source), j = idx.get(e.target);
      const dx = P[i].x - P[j].x, dy = P[i].y - P[j].y;
      const d = Math.max(0.01, Math.hypot(dx, dy));
      const f = (d * d) / k;
      D[i].x -= (dx / d) * f; D[i].y -= (dy / d) * f;
      D[j].x += (dx / d) * f; D[j].y += (dy / d) * f;
    }
    for (let i = 0; i < P.length; i++) {
      // gravity keeps separate components on screen (stronger across the short side)
      D[i].x += (W / 2 - P[i].x) * 0.1 * nodes.length ** 0.5 * (k / 40);
      D[i].y += ((H - 40) / 2 - P[i].y) * 0.2 * nodes.length ** 0.5 * (k / 40);
      const d = Math.max(0.01, Math.hypot(D[i].x, D[i].y));
      P[i].x += (D[i].x / d) * Math.min(d, t);
      P[i].y += (D[i].y / d) * Math.min(d, t);
      P[i].x = Math.min(W - Math.min(150, W / 4), Math.max(14, P[i].x)); // room for the label
      P[i].y = Math.min(H - 48, Math.max(10, P[i].y)); // above the legend
    }
    t *= 0.975;
  }
  nodes.forEach((n, i) => memory.set(n.id, P[i]));
  return P;
}

export class NetworkView {
  constructor(root, { onActor }) {
    this.root = root;
    this.onActor = onActor;
    this.memory = new Map();
    this.svg = s("svg", { role: "img", "aria-label": "actor network" });
    this.legend = h("div", { class: "legend net-legend" });
    root.append(this.svg, this.legend);
    this.data = { nodes: [], edges: [] };
    new ResizeObserver(() => this.render()).observe(root);
  }

  setData(events, relations, until, provisional) {
    this.data = buildGraph(events, relations, until);
    this.provisional = provisional || new Set();
    this.render();
  }

  render() {
    clear(this.svg);
    const r = this.svg.getBoundingClientRect();
    const W = r.width || 500, H = r.height || 300;
    this.svg.setAttribute("viewBox", `0 0 ${W} ${H}`);
    const { nodes, edges } = this.data;
    if (!nodes.length) {
      this.svg.append(s("text", { x: W / 2, y: H / 2, "text-anchor": "middle", fill: "#6b7380", text: "no actors in this period" }));
      clear(this.legend);
      return;
    }
    const P = layout(nodes, edges, W, H, this.memory);
    const at = new Map(nodes.map((n, i) => [n.id, P[i]]));
    const gE = s("g"), gN = s("g");
    for (const e of edges) {
      const a = at.get(e.source), b = at.get(e.target);
      gE.append(s("line", {
        class: "edge", x1: a.x, y1: a.y, x2: b.x, y2: b.y, stroke: RELATION_COLORS[e.type] || "#999",
        "stroke-width": Math.min(6, 1 + Math.sqrt(e.weight)), "stroke-dasharray": e.type === "co_occurs" ? null : "0",
        dataset: { type: e.type },
      }, s("title", { text: `${e.type.replace(/_/g, " ")} (${e.weight})` })));
    }
    const labelled = new Set([...nodes].sort((a, b) => b.degree + b.events - (a.degree + a.events)).slice(0, 28).map((n) => n.id));
    nodes.forEach((n, i) => {
      const rad = 4 + 1.6 * Math.sqrt(n.degree + n.events);
      const g = s("g", {
        class: "node" + (this.provisional.has(n.id) ? " provisional" : ""),
        transform: `translate(${P[i].x.toFixed(1)},${P[i].y.toFixed(1)})`, dataset: { actorId: n.id },
      },
      s("circle", { r: rad, fill: "#51607a", onclick: () => !n.id.startsWith("name:") && this.onActor(n.id) },
        s("title", { text: `${n.label}: ${n.events} events` })),
      labelled.has(n.id) ? s("text", { x: rad + 2, y: 3, text: n.label }) : null);
      gN.append(g);
    });
    this.svg.append(gE, gN);
    clear(this.legend);
    const used = [...new Set(edges.map((e) => e.type))];
    for (const t of used) {
      const sw = h("span", { class: "swatch line" });
      sw.style.background = RELATION_COLORS[t] || "#999";
      this.legend.append(h("div", {}, sw, t === "co_occurs" ? "same event" : t.replace(/_/g, " ")));
    }
  }
}
