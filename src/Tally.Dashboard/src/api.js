// The public reporting API, as any script would call it: a bearer key and the documented parameters.

/** The server answered with an error status; `detail` is its message. */
export class ApiError extends Error {
  constructor(status, detail) {
    super(detail);
    this.status = status;
    this.detail = detail;
  }
}

/** The request never got an answer: the server is down or the network is cut. */
export class UnreachableError extends Error {}

export async function getReport(key, report, parameters, format = 'json') {
  const url = new URL(`/api/v2/reporting/${report}/`, window.location.origin);
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
  }
  if (format !== 'json') url.searchParams.set('format', format);
  let response;
  try {
    response = await fetch(url, { headers: { Authorization: `Bearer ${key}` }, cache: 'no-store' });
  } catch {
    throw new UnreachableError('The Tally server cannot be reached.');
  }
  if (!response.ok) throw new ApiError(response.status, await errorDetail(response));
  return format === 'json' ? response.json() : response.text();
}

async function errorDetail(response) {
  try {
    const body = await response.json();
    return typeof body.detail === 'string' ? body.detail : JSON.stringify(body);
  } catch {
    return response.statusText || `HTTP ${response.status}`;
  }
}
