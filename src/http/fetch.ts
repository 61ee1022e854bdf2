// The one HTTP client for every request mcp-tether makes (MCP traffic, discovery, registration, tokens):
// Node's fetch, or undici's with its proxy agent when HTTP(S)_PROXY is set.
import { setMaxListeners } from 'node:events';

export type Fetch = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

function proxyConfigured(env: NodeJS.ProcessEnv): boolean {
  return Boolean(env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy);
}

/**
 * The SDK's transport hands the same abort signal to every request; without this, concurrent requests pile
 * listeners on it and Node prints MaxListenersExceeded warnings on stderr.
 */
function allowManyListeners(fetchImpl: Fetch): Fetch {
  const seen = new WeakSet<AbortSignal>();
  return (input, init) => {
    const signal = init?.signal;
    if (signal && !seen.has(signal)) {
      seen.add(signal);
      setMaxListeners(0, signal);
    }
    return fetchImpl(input, init);
  };
}

export async function createFetch(env: NodeJS.ProcessEnv = process.env): Promise<Fetch> {
  if (!proxyConfigured(env)) return allowManyListeners(globalThis.fetch);
  const undici = await import('undici');
  const dispatcher = new undici.EnvHttpProxyAgent();
  const proxied = (input: string | URL | Request, init?: RequestInit): Promise<Response> =>
    undici.fetch(input as Parameters<typeof undici.fetch>[0], {
      ...(init as Parameters<typeof undici.fetch>[1]),
      dispatcher,
    }) as unknown as Promise<Response>;
  return allowManyListeners(proxied);
}
