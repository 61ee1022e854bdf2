// Codex 0.171.0 (`codex app-server`, as installed by .ci/install, the native binary as IDE extensions start it)
// starting mcp-tether against the OAuth stack, with the default startup_timeout_sec (30 s, for initialize and again
// for the first tools/list). Codex never lists tools again, so they must be in the first list: the first session
// lists the server's tools and calls one while the user takes ~12 s to sign in.
import { afterEach, describe, expect, it } from 'vitest';
import { delayedBrowser } from '../bridge/drivers.js';
import { startStack } from '../fixtures/stack.js';
import { clients, JsonLinesClient, killLeftovers, project, SERVER, writeCodexConfig } from '../helpers/clients.js';
import { signins, waitForSignins, workspace, type Workspace } from '../helpers/ide.js';
import { keychainRecord } from '../helpers/secrets.js';

const workspaces: Workspace[] = [];
afterEach(() => killLeftovers(...workspaces.splice(0)));

type Json = Record<string, unknown>;

/** codex app-server's JSON-RPC (its messages carry no "jsonrpc" member). */
class AppServer extends JsonLinesClient {
  private id = 0;

  async request(method: string, params: Json, timeoutMs = 15_000): Promise<Json> {
    const id = ++this.id;
    this.send({ id, method, params });
    const answer = await this.next((m) => m.id === id && !('method' in m), timeoutMs);
    if (answer.error) throw new Error(`${method}: ${JSON.stringify(answer.error)}`);
    return answer.result as Json;
  }
}

describe('Codex 0.171.0 app-server', () => {
  it('the first session lists the tools and calls whoami while the user takes ~12 s to sign in', async () => {
    const codex = clients.codex();
    const stack = await startStack();
    const ws = workspace({ BROWSER: delayedBrowser(10) });
    workspaces.push(ws);
    try {
      const env = writeCodexConfig(stack.mcp.url, ws);
      const cwd = project(ws);
      const app = new AppServer(codex, ['app-server'], { env, cwd });
      try {
        await app.request('initialize', { clientInfo: { name: 'tether-test', title: null, version: '0.0.0' }, capabilities: { experimentalApi: true, requestAttestation: false } });
        app.send({ method: 'initialized' });
        const started = Date.now();
        const thread = (await app.request('thread/start', { cwd, ephemeral: true, approvalPolicy: 'never' })).thread as { id: string };
        const settled = await app.next((m) => m.method === 'mcpServer/startupStatus/updated' && (m.params as Json).name === SERVER && (m.params as Json).status !== 'starting', 75_000);
        const startupMs = Date.now() - started;
        expect((settled.params as Json).status, JSON.stringify(settled.params)).toBe('ready');
        // The sign-in took the user's time; Codex waited for it.
        expect(startupMs).toBeGreaterThan(10_000);
        expect(await waitForSignins(ws, 1)).toHaveLength(1);

        const listed = await app.request('mcpServerStatus/list', { threadId: thread.id, detail: 'toolsAndAuthOnly' });
        const server = (listed.data as Json[]).find((s) => s.name === SERVER);
        expect(server?.runtimeStatus).toBe('connected');
        expect(Object.keys((server?.tools as Json | undefined) ?? {})).toContain('whoami');

        const called = await app.request('mcpServer/tool/call', { threadId: thread.id, server: SERVER, tool: 'whoami', arguments: {} });
        expect(JSON.stringify(called.content)).toContain('alice');
      } finally {
        await app.end();
      }
      expect(keychainRecord(ws.home, stack.mcp.url)?.tokens).toBeDefined();
      expect(stack.as.counts.authorizationRequests).toBe(1);
      expect(signins(ws)).toHaveLength(1);
    } finally {
      await stack.close();
    }
  }, 120_000);
});
