// The parts of undici mcp-tether uses, loaded by path: its connection pools (Agent, and EnvHttpProxyAgent when a
// proxy is set) and its request API.
import type { Agent, EnvHttpProxyAgent } from 'undici';

// Why by path: undici's index also loads fetch, WebSocket, caches and more: twice the load time (about 80 ms against
// 40 ms bundled) on the way to the IDE's first list, and twice the package size. The paths are undici's own files, so
// package.json holds undici to one minor version; test/bridge/http-proxy.test.ts and test/package.test.ts load them
// through the proxy agent and the bundle.

export interface UndiciParts {
  Agent: typeof Agent;
  /** Only when a proxy is set (it loads the proxy and SOCKS agents). */
  EnvHttpProxyAgent?: typeof EnvHttpProxyAgent;
}

/** Node gives a CommonJS module's exports by name and as `default`; a bundle (scripts/bundle.mjs) as `default` only. */
function exportsOf<T>(loaded: { default: T }): T {
  return loaded.default;
}

export async function loadUndici(withProxy: boolean): Promise<UndiciParts> {
  const [dispatcher, api, agent, proxy] = await Promise.all([
    import('undici/lib/dispatcher/dispatcher.js'),
    import('undici/lib/api/index.js'),
    import('undici/lib/dispatcher/agent.js'),
    withProxy ? import('undici/lib/dispatcher/env-http-proxy-agent.js') : undefined,
  ]);
  // What undici's index does on load, and the one effect of it we need: every dispatcher gets the request API
  // (`request`, and `connect`, which the proxy agent's tunnels use).
  Object.assign(exportsOf(dispatcher).prototype, exportsOf(api));
  return { Agent: exportsOf(agent), ...(proxy ? { EnvHttpProxyAgent: exportsOf(proxy) } : {}) };
}
