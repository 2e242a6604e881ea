// The one way the pages talk to pgrec: the public HTTP API, with the key the person typed.
// The key lives in this tab's sessionStorage only (gone when the tab closes), never in a URL.

const KEY_STORAGE = "pgrec.apiKey";

export class ApiError extends Error {
  constructor(status, body) {
    const error = (body && body.error) || {};
    super(error.message || `HTTP ${status}`);
    this.status = status;
    this.code = error.code;
    this.field = error.field;
    this.hint = error.hint;
  }
}

export function savedKey() {
  return sessionStorage.getItem(KEY_STORAGE) || "";
}

export function saveKey(key) {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params || {})) {
    if (value === undefined || value === null || value === "") continue;
    if (Array.isArray(value)) value.forEach((v) => search.append(name, v));
    else search.append(name, typeof value === "object" ? JSON.stringify(value) : String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

async function call(method, path, { params, body } = {}) {
  const headers = { Accept: "application/json" };
  const key = savedKey();
  if (key) headers.Authorization = `Bearer ${key}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path + query(params), {
    method, headers, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = null; }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

export const api = {
  get: (path, params) => call("GET", path, { params }),
  post: (path, body, params) => call("POST", path, { body, params }),
  put: (path, body, params) => call("PUT", path, { body, params }),
  patch: (path, body, params) => call("PATCH", path, { body, params }),
  del: (path, params) => call("DELETE", path, { params }),
};

// A random event id, so a double click or a retried request never records a like twice.
export function eventId() {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return "pg-" + Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function describeError(error) {
  if (!(error instanceof ApiError)) return String(error && error.message ? error.message : error);
  if (error.status === 401) return "This page needs an API key: paste one above (pgrec keys create NAME --scope read --scope write).";
  if (error.status === 403) return `This key may not do that (${error.message}).`;
  const field = error.field ? ` [${error.field}]` : "";
  return `${error.message}${field}${error.hint ? ` — ${error.hint}` : ""}`;
}
