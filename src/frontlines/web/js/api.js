// The JSON API under /api/. Writes carry the bearer token kept in this browser's localStorage.
const KEY = "frontlines.token";

export const token = {
  get: () => localStorage.getItem(KEY) || "",
  set: (v) => (v ? localStorage.setItem(KEY, v) : localStorage.removeItem(KEY)),
};

export class ApiError extends Error {
  constructor(status, detail) {
    super(`${status}: ${typeof detail === "string" ? detail : JSON.stringify(detail)}`);
    this.status = status;
    this.detail = detail;
  }
}

export function url(path, params = {}) {
  const u = new URL(path, location.origin);
  for (const [k, v] of Object.entries(params)) {
    if (v !== null && v !== undefined && v !== "") u.searchParams.set(k, v);
  }
  return u.pathname + u.search;
}

async function handle(r) {
  let body = null;
  try {
    body = await r.json();
  } catch {
    body = null;
  }
  if (!r.ok) throw new ApiError(r.status, body && body.detail !== undefined ? body.detail : r.statusText);
  return body;
}

async function fetchJson(path, params, init = {}) {
  return handle(await fetch(url(path, params), { headers: { Accept: "application/json" }, ...init }));
}

/** GET path?params; an aborted request (a newer one replaced it) resolves to null. */
export async function get(path, params, { signal } = {}) {
  try {
    return await fetchJson(path, params, signal ? { signal } : {});
  } catch (err) {
    if (err.name === "AbortError") return null;
    throw err;
  }
}

/** One request per key at a time: a new call aborts the one before (fast filter changes, map moves). */
export function latest() {
  let ctl = null;
  return (path, params) => {
    if (ctl) ctl.abort();
    ctl = new AbortController();
    return get(path, params, { signal: ctl.signal });
  };
}

export async function send(method, path, body) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  const t = token.get();
  if (t) headers.Authorization = `Bearer ${t}`;
  return handle(await fetch(url(path), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }));
}
