// Talking to the service's internal routes. Every failed request becomes a ServiceError that
// keeps what the service said (status and body), so the page shows errors exactly as reported.

export class ServiceError extends Error {
  constructor(status, statusText, body) {
    super(`${status} ${statusText}`);
    this.status = status;
    this.statusText = statusText;
    this.body = body;
  }
}

/** The URL of an internal route, relative to the page (/internal/autoupdate/explorer). */
export function route(name, params = {}) {
  const url = new URL(name, document.baseURI);
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(key, value);
  }
  return url;
}

async function checked(response) {
  if (!response.ok) throw new ServiceError(response.status, response.statusText, await response.text());
  return response;
}

export async function getJSON(name, params) {
  return (await checked(await fetch(route(name, params)))).json();
}

export async function getText(name, params) {
  return (await checked(await fetch(route(name, params)))).text();
}

export async function postJSON(name, data) {
  const response = await fetch(route(name), { method: "POST", body: JSON.stringify(data) });
  return (await checked(response)).json();
}

/** Error text for the page: the status line and the body as the service sent it. */
export function describeError(error) {
  if (!(error instanceof ServiceError)) return String(error.message || error);
  let body = error.body;
  try {
    body = JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    // not JSON: show it as it came
  }
  return `${error.status} ${error.statusText}\n${body}`;
}

/**
 * Open /internal/autoupdate for one user and call onMessage(object) for every JSON line.
 * (A heartbeat is {}.) An error line ends the stream with a ServiceError holding that line.
 * Returns an AbortController; the promise `done` settles when the response ends.
 */
export function openStream({ userId, k, body, single }, onMessage) {
  const controller = new AbortController();
  const params = { user_id: userId, k: k || undefined };
  const url = route("../autoupdate", params);
  if (single) url.searchParams.set("single", "");
  const options = { signal: controller.signal, method: body ? "POST" : "GET", body: body || undefined };
  controller.done = (async () => {
    const response = await checked(await fetch(url, options));
    const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += value;
      let newline;
      while ((newline = buffer.indexOf("\n")) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (!line.trim()) continue;
        const message = JSON.parse(line);
        if (message.error) throw new ServiceError(response.status, "(error line in the stream)", line);
        onMessage(message);
      }
    }
  })();
  return controller;
}
