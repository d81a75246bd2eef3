// The administrator's and auditor's HTTP calls: every verb, and RFC 9457 problem details kept whole (title, detail and
// the errors by field), so the form can show each message next to its field.
import { SignedOut } from "../api.js";

export class Problem extends Error {
  constructor(status, body) {
    super(body?.title ?? `HTTP ${status}`);
    this.status = status;
    this.title = body?.title ?? `HTTP ${status}`;
    this.detail = body?.detail ?? null;
    this.errors = body?.errors ?? {};
  }
}

// Returns { body, headers }; throws SignedOut on 401 and Problem on any other error.
export async function call(method, url, body) {
  const init = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(url, init);
  if (response.status === 401) throw new SignedOut();
  let parsed = null;
  const type = response.headers.get("Content-Type") ?? "";
  if (response.status !== 204 && type.includes("json")) parsed = await response.json().catch(() => null);
  if (!response.ok) throw new Problem(response.status, parsed);
  return { body: parsed, headers: response.headers };
}

export const get = async (url) => (await call("GET", url)).body;
