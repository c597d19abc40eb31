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

export async function get(path, params) {
  return handle(await fetch(url(path, params), { headers: { Accept: "application/json" } }));
}

export async function send(method, path, body) {
  const headers = { "Content-Type": "application/json", Accept: "application/json" };
  const t = token.get();
  if (t) headers.Authorization = `Bearer ${t}`;
  return handle(await fetch(url(path), { method, headers, body: body === undefined ? undefined : JSON.stringify(body) }));
}
