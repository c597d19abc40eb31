// The view's state lives in the query string, so a reload or a shared link shows the same view:
// every header filter, the brush (since/until), the selected event, the map view, the active tab,
// the table's sort and page, and the actor whose neighbourhood the network shows.
export const FILTER_KEYS = ["q", "actor", "type", "place", "hedged", "reviewed", "include_rejected"];
const KEYS = [...FILTER_KEYS, "since", "until", "event", "map", "tab", "sort", "order", "offset", "net"];

export function readState() {
  const p = new URLSearchParams(location.search);
  const st = {};
  for (const k of KEYS) {
    const v = p.get(k);
    if (v !== null && v !== "") st[k] = v;
  }
  return st;
}

/** Replace the URL's query with `st` (no history entry per filter keystroke). */
export function writeState(st) {
  const p = new URLSearchParams();
  for (const k of KEYS) {
    const v = st[k];
    if (v !== null && v !== undefined && v !== "") p.set(k, String(v));
  }
  const q = p.toString();
  const next = location.pathname + (q ? `?${q}` : "") + location.hash;
  if (next !== location.pathname + location.search + location.hash) history.replaceState(null, "", next);
}

/** The filters every data endpoint takes, from the state; `brush` adds since/until. */
export function filterParams(st, { brush = true } = {}) {
  const out = {};
  for (const k of FILTER_KEYS) if (st[k]) out[k] = st[k];
  if (brush && st.since && st.until) {
    out.since = st.since;
    out.until = st.until;
  }
  return out;
}

/** "zoom/lat/lon" <-> {zoom, lat, lon} */
export function parseView(s) {
  const m = /^(\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)$/.exec(s || "");
  if (!m) return null;
  const [zoom, lat, lon] = m.slice(1).map(Number);
  return Math.abs(lat) <= 90 && Math.abs(lon) <= 180 && zoom <= 22 ? { zoom, lat, lon } : null;
}

export const formatView = (zoom, lat, lon) => `${+zoom.toFixed(2)}/${lat.toFixed(4)}/${lon.toFixed(4)}`;
