// The one HTTP client for every request mcp-tether makes (MCP traffic, discovery, registration, tokens). It
// honours HTTP(S)_PROXY / NO_PROXY and an extra CA file through undici, bounds connecting (10 s) and waiting for
// response headers (5 min), and never cuts an idle event stream (no body timeout).
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { TetherError } from '../errors.js';
import { asHeaders, requestFetch, servesLikeFetch, type Fetch } from './request-fetch.js';
import { loadUndici } from './undici.js';

export type { Fetch } from './request-fetch.js';

export interface FetchOptions {
  env?: NodeJS.ProcessEnv;
  /** PEM file of extra certificate authorities (--ca-file). NODE_EXTRA_CA_CERTS works too, as in any Node program. */
  caFile?: string;
  /** How long connecting may take. Default 10 s. */
  connectTimeoutMs?: number;
  /** How long the response headers may take once the request is sent. Default 5 min (a tool call may think); 0 = no limit. */
  headersTimeoutMs?: number;
  /** Connect over IPv4 only (--ipv4). */
  ipv4?: boolean;
  /** Bring undici in when this settles (or after a second, whichever is first). */
  undiciWhen?: Promise<unknown>;
}

const CONNECT_TIMEOUT_MS = 10_000;
const HEADERS_TIMEOUT_MS = 300_000;
/** Without a proxy or CA file, undici is loaded this long after start, off the start-up path. */
const UNDICI_AFTER_MS = 1_000;

export function proxyConfigured(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy);
}

/** The certificate authorities a connection trusts with --ca-file: the system's and the file's; undefined without one. */
export function trustedCas(caFile: string | undefined): string[] | undefined {
  return caFile ? [...rootCertificates, readCa(caFile)] : undefined;
}

function readCa(caFile: string): string {
  try {
    return readFileSync(caFile, 'utf8');
  } catch (error) {
    throw new TetherError('TETHER_UNREADABLE_FILE', `Cannot read the CA file ${caFile} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, {
      hint: 'Pass --ca-file with the path of a PEM file holding your organisation\'s root certificate.',
    });
  }
}

async function undiciFetch(options: FetchOptions, env: NodeJS.ProcessEnv): Promise<Fetch> {
  const withProxy = proxyConfigured(env);
  const undici = await loadUndici(withProxy);
  const connect = {
    timeout: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    ...(options.ipv4 ? { family: 4 } : {}),
    ...(options.caFile ? { ca: trustedCas(options.caFile) } : {}),
  };
  const settings = { connect, headersTimeout: options.headersTimeoutMs ?? HEADERS_TIMEOUT_MS, bodyTimeout: 0 };
  const dispatcher = withProxy && undici.EnvHttpProxyAgent ? new undici.EnvHttpProxyAgent({ ...settings, requestTls: connect, proxyTls: connect }) : new undici.Agent(settings);
  // MCP traffic goes through undici's request(); anything it cannot serve exactly as fetch would goes to Node's own
  // fetch with undici's dispatcher (undici's fetch itself trips over Node 20's AbortSignal handling).
  // (undici-types and undici describe the same Dispatcher twice, hence the cast.)
  const fast = requestFetch(dispatcher);
  return (input, init) => (servesLikeFetch(input, init) ? fast(input, init) : globalThis.fetch(input, { ...init, dispatcher } as unknown as RequestInit));
}

/**
 * With a proxy or a CA file, undici is needed from the first request. Otherwise Node's own fetch serves the start
 * (loading undici takes ~150 ms, which would delay the IDE's initialize) and undici is brought in once `undiciWhen`
 * settles (the proxy: when the IDE has its initialize answer), a second has passed, or an event stream is opened,
 * whichever is first: an event stream may stay idle for hours, and Node's fetch would cut it after five minutes.
 * Requests made while undici loads wait for it and go out in the order they were made.
 */
export async function createFetch(options: FetchOptions = {}): Promise<Fetch> {
  const env = options.env ?? process.env;
  if (options.caFile) readCa(options.caFile); // fail fast, before any traffic
  // --ipv4 and a connect deadline of the user's hold from the first request: Node's own fetch offers neither.
  if (proxyConfigured(env) || options.caFile || options.ipv4 || options.connectTimeoutMs !== undefined) return undiciFetch(options, env);
  let current: Fetch | undefined;
  let loading: Promise<Fetch> | undefined;
  const load = (): Promise<Fetch> =>
    (loading ??= undiciFetch(options, env).then(
      (loaded) => (current = loaded),
      () => (current = globalThis.fetch), // undici missing or broken: Node's fetch still works
    ));
  const timer = setTimeout(load, UNDICI_AFTER_MS);
  timer.unref();
  void options.undiciWhen?.then(load, load).finally(() => clearTimeout(timer));
  return (input, init) => {
    if (current) return current(input, init);
    if (loading || opensEventStream(input, init)) return load().then((loaded) => loaded(input, init));
    return globalThis.fetch(input, init);
  };
}

/** A GET that asks for text/event-stream: the Streamable HTTP GET stream, or the legacy SSE transport's stream. */
function opensEventStream(input: string | URL | Request, init: RequestInit | undefined): boolean {
  const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
  if (method.toUpperCase() !== 'GET') return false;
  const accept = asHeaders(init?.headers ?? (input instanceof Request ? input.headers : undefined)).get('accept');
  return accept?.includes('text/event-stream') === true;
}

