// The operators' REST API (functions/verify/openapi.json): camelCase JSON, Bearer IdToken.
// GETs use the browser's HTTP cache as the API intends: it answers with an ETag and
// `Cache-Control: private, no-cache`, so each poll revalidates with If-None-Match and costs a 304.

/**
 * The URL of an API path: `base` is config.apiUrl, "" for the page's own origin (the local stack) or the
 * API's URL ending with "/" (the cloud); `path` starts with "/".
 */
export function endpoint(base, path) {
  return (base || "").replace(/\/+$/, "") + path;
}

export class ApiError extends Error {
  constructor(status, body, retryAfter = null) {
    super((body && body.message) || `HTTP ${status}`);
    this.status = status; // 0: the network failed
    this.body = body || {};
    this.retryAfter = retryAfter; // seconds, from a 429's or 503's Retry-After
  }

  /** The server's own words (English), shown only as a secondary detail under a translated message. */
  get serverMessage() {
    return this.body && typeof this.body.message === "string" ? this.body.message : null;
  }

  get code() {
    return this.body.code || null;
  }
}

/** Retry-After in seconds (a number of seconds or an HTTP date), or null. */
function retryAfter(value) {
  if (!value) return null;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds);
  const at = Date.parse(value);
  return Number.isNaN(at) ? null : Math.max(0, Math.round((at - Date.now()) / 1000));
}

export class Api {
  /**
   * @param {string} base "" for the panel's own origin
   * @param {() => string|null} token the current IdToken
   * @param {() => Promise<boolean>} onUnauthorized refresh once; false: the session is over
   */
  constructor(base, token, onUnauthorized) {
    this.base = base || "";
    this.token = token;
    this.onUnauthorized = onUnauthorized;
  }

  async request(method, path, body, retried = false) {
    const headers = { Authorization: `Bearer ${this.token()}` };
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch(endpoint(this.base, path), {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(0, null);
    }
    if (response.status === 401 && !retried && (await this.onUnauthorized(false))) {
      return this.request(method, path, body, true);
    }
    let data = null;
    const text = await response.text();
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        data = { message: text.slice(0, 200) };
      }
    }
    if (response.status === 401) {
      await this.onUnauthorized(true);
    }
    if (!response.ok) throw new ApiError(response.status, data, retryAfter(response.headers.get("Retry-After")));
    return data;
  }

  get(path) {
    return this.request("GET", path);
  }

  post(path, body) {
    return this.request("POST", path, body);
  }

  list(status, limit = 100) {
    return this.get(`/incidents?status=${encodeURIComponent(status)}&limit=${limit}`);
  }

  incident(id) {
    return this.get(`/incidents/${encodeURIComponent(id)}`);
  }

  operators() {
    return this.get("/operators");
  }

  act(id, action, body) {
    return this.post(`/incidents/${encodeURIComponent(id)}/${action}`, body);
  }

  /** A caller's history and standing: the number in E.164, URL-encoded (%2B62…) as the API wants it. */
  caller(number) {
    return this.get(`/callers/${encodeURIComponent(number)}`);
  }

  /** Supervisors: the numbers with a standing now, the soonest to end first. */
  standings(limit = 100) {
    return this.get(`/callers?limit=${limit}`);
  }

  /** Supervisors: lift (NORMAL) or impose a standing, with the reason. */
  setStanding(number, standing, reason) {
    return this.post(`/callers/${encodeURIComponent(number)}/standing`, { standing, reason });
  }

  put(path, body) {
    return this.request("PUT", path, body);
  }

  /** DELETE with query parameters (the directory deactivates: `version`, `reason`). */
  remove(path, params) {
    return this.request("DELETE", `${path}?${new URLSearchParams(params)}`);
  }

  // -- the agency directory --

  directory() {
    return this.get("/agencies");
  }

  /** The posts a verification would go to: `agencies` codes (else the category's), a district or a point. */
  suggestion({ category, agencies, district, lat, lon }) {
    const params = new URLSearchParams();
    if (category) params.set("category", category);
    if (agencies && agencies.length) params.set("agencies", agencies.join(","));
    if (district) params.set("district", district);
    if (lat != null && lon != null) {
      params.set("lat", String(lat));
      params.set("lon", String(lon));
    }
    return this.get(`/agencies/suggestion?${params}`);
  }

  /** A type (`kind` "types") or post ("posts") with its history. */
  entry(kind, key) {
    return this.get(`/agencies/${kind}/${encodeURIComponent(key)}`);
  }

  /** Create (POST) or change (PUT, `body.version`) a type or post. */
  saveEntry(kind, key, body, create) {
    const path = `/agencies/${kind}/${encodeURIComponent(key)}`;
    return create ? this.post(path, body) : this.put(path, body);
  }

  deactivate(kind, key, version, reason) {
    return this.remove(`/agencies/${kind}/${encodeURIComponent(key)}`, { version: String(version), reason });
  }

  /** Past incidents (GET /search): `params` from, to (zoned ISO), caller, district, category, outcome,
   * cursor; empty ones are left out. */
  search(params) {
    const query = new URLSearchParams(Object.entries(params).filter(([, value]) => value));
    return this.get(`/search?${query}`);
  }

  acknowledge(id, agency, note) {
    const path = `/incidents/${encodeURIComponent(id)}/dispatches/${encodeURIComponent(agency)}/acknowledge`;
    return this.post(path, note ? { note } : {});
  }
}
