// Whether a URL is an MCP endpoint: an HTTP answer classified, and the coded error that names a wrong URL with what
// was tried, what came back and the likely fix (the path, /mcp versus /sse).
import { TetherError } from '../errors.js';
import { LIFECYCLE_PROTOCOL_VERSION } from '../protocol.js';
import { mediaType } from './media-type.js';

export type EndpointAnswer =
  /** It speaks MCP (a JSON-RPC answer, or an event stream). */
  | 'mcp'
  /** It wants credentials (401, or 403 with a Bearer challenge). */
  | 'unauthorized'
  | 'forbidden'
  /** Nothing there (404, 410) or not this method (405): a wrong path. */
  | 'not-found'
  | 'method-not-allowed'
  | 'server-error'
  /** It answers, but not in MCP (a web page, a JSON API, a 400 without JSON-RPC). */
  | 'not-mcp';

/** Classifies an answer to an MCP request (POST initialize, or the SSE GET) from its status, type and first bytes. */
export function classifyAnswer(status: number, contentType: string | null, bodyStart: string, wwwAuthenticate: string | null): EndpointAnswer {
  if (status === 401) return 'unauthorized';
  if (status === 403) return /^\s*bearer\b/i.test(wwwAuthenticate ?? '') ? 'unauthorized' : 'forbidden';
  if (status === 404 || status === 410) return 'not-found';
  if (status === 405) return 'method-not-allowed';
  if (status >= 500) return 'server-error';
  const type = mediaType(contentType);
  if (status >= 200 && status < 300 && type === 'text/event-stream') return 'mcp';
  if (type === 'application/json' && /"jsonrpc"\s*:\s*"2\.0"/.test(bodyStart)) return 'mcp';
  return 'not-mcp';
}

export interface Attempt {
  /** What was sent, in words: "POST initialize (Streamable HTTP)". */
  request: string;
  /** What came back: "HTTP 404", "text/html". */
  answer: string;
}

/** The URL this one probably meant: the same origin at /mcp (or the /sse path's sibling). */
export function likelyEndpoint(url: URL): string | undefined {
  const path = url.pathname.replace(/\/+$/, '');
  if (path.endsWith('/mcp')) return undefined;
  const base = path.endsWith('/sse') ? path.slice(0, -4) : path === '' ? '' : undefined;
  return base === undefined ? undefined : `${url.origin}${base}/mcp`;
}

/** TETHER_NOT_MCP_ENDPOINT for `url`, naming every attempt and the likely fix. */
export function notAnMcpEndpoint(url: URL, attempts: Attempt[]): TetherError {
  const tried = attempts.map((attempt) => `${attempt.request} -> ${attempt.answer}`).join('; ');
  const guess = likelyEndpoint(url);
  const path = url.pathname.replace(/\/+$/, '');
  const hint = guess
    ? `Most servers serve MCP at /mcp: try ${guess}${path.endsWith('/sse') ? ' (or, for a legacy server, --transport sse-only)' : ''}.`
    : path.endsWith('/mcp')
      ? 'Check the host and the path against the server\'s documentation; the server has no MCP endpoint here.'
      : 'Check the path: most servers serve MCP at /mcp (Streamable HTTP), legacy ones at /sse. A sign-in page or an issuer URL is not the server\'s URL.';
  return new TetherError('TETHER_NOT_MCP_ENDPOINT', `${url.href} is not an MCP endpoint (${tried}).`, { hint });
}

export interface Probe {
  answer: EndpointAnswer;
  status: number;
  /** The answer in words: "HTTP 404", "HTTP 200 (MCP)". */
  describe: string;
  /** For a 401/403: the response, for its challenge. */
  response?: Response;
  /** TETHER_NOT_MCP_ENDPOINT or TETHER_SERVER_FAILED when the answer says the URL is wrong or the server broken. */
  error?: TetherError;
}

const PROBE_BODY = JSON.stringify({
  jsonrpc: '2.0',
  id: 'mcp-tether-probe',
  method: 'initialize',
  params: { protocolVersion: LIFECYCLE_PROTOCOL_VERSION, capabilities: {}, clientInfo: { name: 'mcp-tether', version: 'probe' } },
});

/** Reads at most `limit` bytes of a body, then lets the rest go. */
async function bodyStart(response: Response, limit = 4096): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < limit) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.byteLength;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, limit);
}

/**
 * Asks `url` whether it is an MCP endpoint with an `initialize` POST (with `bearer`, if given), and ends a session
 * it opened. Network failures are thrown (coded by the caller).
 */
export async function probeEndpoint(url: URL, fetch: (input: URL, init: RequestInit) => Promise<Response>, bearer?: string, headers: Record<string, string> = {}): Promise<Probe> {
  const post = await probeOnce(url, fetch, 'POST', bearer, headers);
  if (post.answer !== 'not-found' && post.answer !== 'method-not-allowed' && !(post.answer === 'not-mcp' && post.status === 400)) return post;
  // A legacy HTTP+SSE server answers POST with 404/405/400 and serves its event stream on GET.
  const get = await probeOnce(url, fetch, 'GET', bearer, headers);
  if (get.answer === 'mcp' || get.answer === 'unauthorized' || get.answer === 'forbidden') return get;
  return { ...post, error: notAnMcpEndpoint(url, [{ request: 'POST initialize (Streamable HTTP)', answer: post.describe }, { request: 'GET (HTTP+SSE)', answer: get.describe }]) };
}

async function probeOnce(url: URL, fetch: (input: URL, init: RequestInit) => Promise<Response>, method: 'POST' | 'GET', bearer: string | undefined, headers: Record<string, string>): Promise<Probe> {
  const authorization: Record<string, string> = bearer ? { authorization: `Bearer ${bearer}` } : {};
  const response = await fetch(
    url,
    method === 'GET'
      ? { method, headers: { ...headers, accept: 'text/event-stream', ...authorization }, signal: AbortSignal.timeout(15_000) }
      : {
          method,
          headers: { ...headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...authorization },
          body: PROBE_BODY,
          signal: AbortSignal.timeout(15_000),
        },
  );
  const type = response.headers.get('content-type');
  // An event stream on GET may stay open and quiet: its first bytes are not waited for.
  const eventStream = method === 'GET' && (response.headers.get('content-type') ?? '').startsWith('text/event-stream');
  const start = response.status === 401 || response.status === 403 || eventStream ? '' : await bodyStart(response);
  if (eventStream) await response.body?.cancel().catch(() => undefined);
  const answer = classifyAnswer(response.status, type, start, response.headers.get('www-authenticate'));
  const session = response.headers.get('mcp-session-id');
  if (answer === 'mcp' && session) {
    await fetch(url, { method: 'DELETE', headers: { ...headers, 'mcp-session-id': session, ...authorization }, signal: AbortSignal.timeout(5_000) })
      .then((ended) => ended.body?.cancel())
      .catch(() => undefined);
  }
  const shown = type?.split(';')[0] ?? 'no content type';
  const describe = answer === 'mcp' ? `HTTP ${response.status} (MCP)` : answer === 'not-mcp' ? `HTTP ${response.status} with ${shown}, not MCP` : `HTTP ${response.status}`;
  const probe: Probe = { answer, status: response.status, describe, ...(answer === 'unauthorized' || answer === 'forbidden' ? { response } : {}) };
  if (answer === 'not-found' || answer === 'method-not-allowed' || answer === 'not-mcp') probe.error = notAnMcpEndpoint(url, [{ request: method === 'POST' ? 'POST initialize' : 'GET (HTTP+SSE)', answer: describe }]);
  if (answer === 'server-error') probe.error = new TetherError('TETHER_SERVER_FAILED', `${url.href} answered ${describe} to initialize.`);
  return probe;
}
