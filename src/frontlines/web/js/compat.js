// TEMPORARY: until the server's aggregate endpoints (/api/map, /api/timeline, /api/network, paged
// /api/events with q/order, /api/reviews as {total, items}) are merged, this computes the same
// shapes in the browser from one /api/events fetch. When the server answers /api/timeline, nothing
// here runs. Delete this file (and its two calls in api.js) once those endpoints are on main.
const PATHS = new Set(["/api/map", "/api/timeline", "/api/network", "/api/events", "/api/reviews"]);
let probe = null;
let cache = new Map();

export async function needed(path) {
  if (!PATHS.has(path)) return false;
  if (!probe) probe = fetch("/api/timeline?bucket=auto").then((r) => r.status === 404);
  return probe;
}

export function invalidate() {
  cache = new Map();
}

const FILTERS = ["actor", "type", "place", "hedged", "reviewed", "include_rejected", "since", "until"];

async function events(params, fetchJson) {
  const p = {};
  for (const k of FILTERS) if (params[k] !== undefined) p[k] = params[k];
  const key = JSON.stringify(p);
  if (!cache.has(key)) cache.set(key, fetchJson("/api/events", { ...p, limit: 10000 }).then((r) => r.events));
  let rows = await cache.get(key);
  const q = (params.q || "").trim().toLowerCase();
  if (q) {
    rows = rows.filter((e) => ["event_type", "sub_event_type", "actor1", "actor2", "location", "admin1", "admin2", "source", "notes", "id"]
      .some((k) => String(e[k] ?? "").toLowerCase().includes(q)));
  }
  return rows;
}

const inBox = (e, box) => !box || (e.longitude >= box[0] && e.longitude <= box[2] && e.latitude >= box[1] && e.latitude <= box[3]);

function mapShape(rows, params) {
  const z = Number(params.zoom || 6);
  const box = params.bbox ? params.bbox.split(",").map(Number) : null;
  const cell = (360 / 2 ** z) * (60 / 256); // about 60 px
  const cells = new Map();
  const units = new Map();
  for (const e of rows) {
    if (e.latitude == null || e.longitude == null) continue;
    if (e.geo_precision === 3) {
      const key = e.admin1 ? `admin1|${e.admin1}` : "country|";
      let u = units.get(key);
      if (!u) units.set(key, (u = { level: e.admin1 ? "admin1" : "country", pcode: null, name: e.admin1 || "", count: 0, fatalities: 0 }));
      u.count += 1;
      u.fatalities += e.fatalities || 0;
      continue;
    }
    if (!inBox(e, box)) continue;
    const key = `${Math.floor(e.longitude / cell)}:${Math.floor(e.latitude / cell)}`;
    let c = cells.get(key);
    if (!c) cells.set(key, (c = { sx: 0, sy: 0, count: 0, fatalities: 0, by_type: {}, approx: 0, bbox: [180, 90, -180, -90], ids: [] }));
    c.sx += e.latitude; c.sy += e.longitude; c.count += 1; c.fatalities += e.fatalities || 0;
    c.by_type[e.event_type] = (c.by_type[e.event_type] || 0) + 1;
    if (e.geo_precision === 2) c.approx += 1;
    c.bbox = [Math.min(c.bbox[0], e.longitude), Math.min(c.bbox[1], e.latitude), Math.max(c.bbox[2], e.longitude), Math.max(c.bbox[3], e.latitude)];
    c.ids.push(e.id);
  }
  const clusters = [...cells.values()].map((c) => ({
    lat: c.sx / c.count, lon: c.sy / c.count, count: c.count, fatalities: c.fatalities, by_type: c.by_type,
    approx: c.approx, bbox: c.bbox, event_id: c.count === 1 ? c.ids[0] : null,
  }));
  return { clusters, units: [...units.values()], total: rows.length };
}

function timelineShape(rows) {
  const days = rows.filter((e) => e.event_date).map((e) => Date.parse(e.event_date + "T00:00:00Z") / 864e5);
  if (!days.length) return { bucket: "day", series: [] };
  const span = Math.max(...days) - Math.min(...days);
  const bucket = span <= 150 ? "day" : span <= 3 * 365 ? "week" : "month";
  const start = (iso) => {
    if (bucket === "day") return iso;
    if (bucket === "month") return iso.slice(0, 7) + "-01";
    const d = Date.parse(iso + "T00:00:00Z") / 864e5;
    return new Date((d - ((d + 3) % 7)) * 864e5).toISOString().slice(0, 10); // Monday
  };
  const series = new Map();
  for (const e of rows) {
    if (!e.event_date) continue;
    const t = start(e.event_date);
    let s = series.get(t);
    if (!s) series.set(t, (s = { t, by_type: {}, total: 0 }));
    s.by_type[e.event_type] = (s.by_type[e.event_type] || 0) + 1;
    s.total += 1;
  }
  return { bucket, series: [...series.values()].sort((a, b) => a.t.localeCompare(b.t)) };
}

function networkShape(rows, params) {
  const nodes = new Map();
  const edges = new Map();
  const node = (id, label) => {
    if (!id) return null;
    let n = nodes.get(id);
    if (!n) nodes.set(id, (n = { id, label: label || id, inter: null, degree: 0, events: 0, nb: new Set() }));
    return n;
  };
  for (const e of rows) {
    const all = [node(e.actor1_id, e.actor1), node(e.actor2_id, e.actor2)].filter(Boolean);
    for (const n of all) n.events += 1;
    if (all.length === 2 && all[0].id !== all[1].id) {
      const [a, b] = [all[0].id, all[1].id].sort();
      const key = `${a}|${b}`;
      let ed = edges.get(key);
      if (!ed) edges.set(key, (ed = { source: a, target: b, type: "co_occurs", count: 0, first: e.event_date, last: e.event_date }));
      ed.count += 1;
      if (e.event_date && (!ed.first || e.event_date < ed.first)) ed.first = e.event_date;
      if (e.event_date && (!ed.last || e.event_date > ed.last)) ed.last = e.event_date;
      all[0].nb.add(all[1].id); all[1].nb.add(all[0].id);
    }
  }
  for (const n of nodes.values()) n.degree = n.nb.size;
  let keep;
  if (params.actor && nodes.has(params.actor)) keep = new Set([params.actor, ...nodes.get(params.actor).nb]);
  else keep = new Set([...nodes.values()].sort((a, b) => b.degree - a.degree || b.events - a.events).slice(0, Number(params.top || 60)).map((n) => n.id));
  return {
    nodes: [...keep].map((id) => { const { nb, ...n } = nodes.get(id); return n; }),
    edges: [...edges.values()].filter((e) => keep.has(e.source) && keep.has(e.target)),
    total_actors: nodes.size,
  };
}

export async function get(path, params = {}, fetchJson) {
  if (path === "/api/reviews") {
    const rows = (await fetchJson("/api/reviews", { limit: 10000 })).reverse();
    let items = rows.map((r) => ({ who: r.who, when: r.at, action: r.field === "review_state" ? r.after : "edit", event_id: r.entity_id,
      field: r.field, before: r.before, after: r.after, note: null }));
    if (params.user) items = items.filter((r) => String(r.who).includes(params.user));
    if (params.action) items = items.filter((r) => r.action === params.action);
    if (params.event_id) items = items.filter((r) => r.event_id === params.event_id);
    const off = Number(params.offset || 0), lim = Number(params.limit || 100);
    return { total: items.length, items: items.slice(off, off + lim) };
  }
  const rows = await events(params, fetchJson);
  if (path === "/api/map") return mapShape(rows, params);
  if (path === "/api/network") return networkShape(rows, params);
  if (path === "/api/timeline") return timelineShape(rows);
  // /api/events: sorted and paged
  const key = params.sort || "event_date";
  const dir = params.order === "desc" ? -1 : 1;
  const sorted = [...rows].sort((a, b) => {
    const x = a[key], y = b[key];
    if (x === y) return String(a.id).localeCompare(String(b.id));
    if (x === null || x === undefined || x === "") return 1;
    if (y === null || y === undefined || y === "") return -1;
    return (typeof x === "number" && typeof y === "number" ? x - y : String(x).localeCompare(String(y))) * dir;
  });
  const off = Number(params.offset || 0), lim = Number(params.limit || 100);
  return { total: rows.length, offset: off, limit: lim, events: sorted.slice(off, off + lim) };
}
