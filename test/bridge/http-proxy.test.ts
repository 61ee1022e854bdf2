// HTTP_PROXY / HTTPS_PROXY: every request mcp-tether makes, the sign-in's discovery, registration and token
// requests included, goes through the proxy; NO_PROXY exempts hosts. A real sign-in against the OAuth stack.
import { describe, expect, it } from 'vitest';
import { startHttpProxy } from '../fixtures/http-proxy.js';
import { startStack } from '../fixtures/stack.js';
import { text, workspace } from '../helpers/ide.js';
import { connectIde, delayedBrowser, waitUntil } from './drivers.js';

describe('through an HTTP proxy', () => {
  it('with HTTP_PROXY and HTTPS_PROXY set (NO_PROXY empty): MCP traffic, discovery, registration and tokens all pass the proxy', async () => {
    const stack = await startStack();
    const proxy = await startHttpProxy();
    // undici's EnvHttpProxyAgent has no implicit loopback exemption; NO_PROXY is set empty to say so explicitly.
    const ws = workspace({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: '', BROWSER: delayedBrowser(0, { withoutProxy: true }) });
    const ide = await connectIde(stack.mcp.url, ws, { timeoutMs: 60_000 });
    try {
      expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} }))).toBe('alice');
      const passed = proxy.requests.map((r) => `${r.method} ${new URL(r.url).origin === new URL(stack.mcp.url).origin ? 'mcp' : 'as'}${new URL(r.url).pathname}`);
      const issuerPath = new URL(stack.as.issuer).pathname.replace(/\/$/, '');
      expect(passed).toContain('POST mcp/mcp');
      expect(passed.some((p) => p.startsWith('GET mcp/.well-known/oauth-protected-resource'))).toBe(true);
      expect(passed.some((p) => /^GET as\/.*well-known\/(openid-configuration|oauth-authorization-server)/.test(p))).toBe(true);
      expect(passed).toContain(`POST as${issuerPath}/reg`);
      expect(passed).toContain(`POST as${issuerPath}/token`);
      expect(stack.as.counts.codeGrants).toBe(1);
      // Nothing went around it: the MCP server got exactly the /mcp requests the proxy passed.
      const viaProxy = (): number => proxy.requests.filter((r) => r.url === stack.mcp.url).length;
      const atServer = (): number => stack.mcp.stats.authorized + stack.mcp.stats.unauthorized;
      expect(await waitUntil(() => viaProxy() === atServer(), 5_000), `${viaProxy()} via the proxy, ${atServer()} at the server`).toBe(true);
      expect(atServer()).toBeGreaterThanOrEqual(3);
    } finally {
      await ide.close();
      await proxy.close();
      await stack.close();
    }
  }, 120_000);

  it('NO_PROXY=127.0.0.1 exempts the loopback servers: the proxy sees nothing and the sign-in still works', async () => {
    const stack = await startStack();
    const proxy = await startHttpProxy();
    const ws = workspace({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1', BROWSER: delayedBrowser(0, { withoutProxy: true }) });
    const ide = await connectIde(stack.mcp.url, ws, { timeoutMs: 60_000 });
    try {
      expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} }))).toBe('alice');
      expect(proxy.requests).toEqual([]);
      expect(proxy.connects).toEqual([]);
    } finally {
      await ide.close();
      await proxy.close();
      await stack.close();
    }
  }, 120_000);
});
