// The one HTTP client for every request mcp-tether makes (MCP traffic, discovery, registration, tokens). It
// honours HTTP(S)_PROXY / NO_PROXY and an extra CA file through undici, bounds connecting (10 s) and waiting for
// response headers (5 min), and never cuts an idle event stream (no body timeout).
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import { TetherError } from '../errors.js';

export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface FetchOptions {
  env?: NodeJS.ProcessEnv;
  /** PEM file of extra certificate authorities (--ca-file). NODE_EXTRA_CA_CERTS works too, as in any Node program. */
  caFile?: string;
}

const CONNECT_TIMEOUT_MS = 10_000;
const HEADERS_TIMEOUT_MS = 300_000;

export function proxyConfigured(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy);
}

function readCa(caFile: string): string {
  try {
    return readFileSync(caFile, 'utf8');
  } catch (error) {
    throw new TetherError(`Cannot read the CA file ${caFile} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, {
      hint: 'Pass --ca-file with the path of a PEM file holding your organisation\'s root certificate.',
      exitCode: 2,
    });
  }
}

async function undiciFetch(options: FetchOptions, env: NodeJS.ProcessEnv): Promise<Fetch> {
  const undici = await import('undici');
  const connect = {
    timeout: CONNECT_TIMEOUT_MS,
    ...(options.caFile ? { ca: [...rootCertificates, readCa(options.caFile)] } : {}),
  };
  const settings = { connect, headersTimeout: HEADERS_TIMEOUT_MS, bodyTimeout: 0 };
  const dispatcher = proxyConfigured(env) ? new undici.EnvHttpProxyAgent({ ...settings, requestTls: connect, proxyTls: connect }) : new undici.Agent(settings);
  // Node's own fetch with undici's dispatcher: undici's fetch itself trips over Node 20's AbortSignal handling.
  // (undici-types and undici describe the same Dispatcher twice, hence the cast.)
  return (input, init) => globalThis.fetch(input, { ...init, dispatcher } as unknown as RequestInit);
}

/**
 * With a proxy or a CA file, undici is needed from the first request. Otherwise Node's own fetch serves the
 * start (loading undici costs start-up time) and undici takes over shortly after, for its idle-stream settings.
 */
export async function createFetch(options: FetchOptions = {}): Promise<Fetch> {
  const env = options.env ?? process.env;
  if (options.caFile) readCa(options.caFile); // fail fast, before any traffic
  if (proxyConfigured(env) || options.caFile) return undiciFetch(options, env);
  let current: Fetch = globalThis.fetch;
  const upgrade = setTimeout(() => {
    undiciFetch(options, env).then(
      (better) => {
        current = better;
      },
      () => undefined,
    );
  }, 1_000);
  upgrade.unref();
  return (input, init) => current(input, init);
}

/** Requests of the sign-in machinery (discovery, registration, tokens) must not wait forever. */
export function withDeadline(fetch: Fetch, ms: number): Fetch {
  return (input, init) => fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(ms) });
}
