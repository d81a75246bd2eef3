// HTTP helpers. The session is an HttpOnly cookie the script never sees; a 401 means "sign in again".
export class SignedOut extends Error {}

export async function getJson(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (response.status === 401) throw new SignedOut();
  if (!response.ok) {
    const error = new Error(await problemText(response));
    error.status = response.status;
    throw error;
  }
  return response.json();
}

// GET /api/alerts and the like: the body and whether the server cut the list short (header Vsa-Truncated).
export async function getPage(url) {
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (response.status === 401) throw new SignedOut();
  if (!response.ok) throw new Error(await problemText(response));
  return { items: await response.json(), truncated: response.headers.get("Vsa-Truncated") === "true" };
}

export async function postJson(url, body) {
  const response = await fetch(url, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify(body),
  });
  if (response.status === 401) throw new SignedOut();
  if (!response.ok) throw new Error(await problemText(response));
  return response.status === 204 ? null : response.json();
}

// RFC 9457 problem details: the title, and the first validation message if there is one.
async function problemText(response) {
  try {
    const problem = await response.json();
    const first = problem.errors ? Object.values(problem.errors).flat()[0] : null;
    return [problem.title ?? `HTTP ${response.status}`, first ?? problem.detail].filter(Boolean).join(" — ");
  } catch {
    return `HTTP ${response.status}`;
  }
}

export function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = text;
  if (className) node.className = className;
  return node;
}
