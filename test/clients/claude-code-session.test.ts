// A long-lived Claude Code 2.1.332 session (`claude -p` with stream-json in and out, as installed by .ci/install)
// starting mcp-tether against the OAuth stack, and a loopback stub of the Anthropic Messages API as the model. Claude
// Code gets an early answer while the user signs in and lists tools again on notifications/tools/list_changed, so the
// server's tools appear in the same session once the user has signed in, and the agent calls one.
import { afterEach, describe, expect, it } from 'vitest';
import { delayedBrowser } from '../bridge/drivers.js';
import { startStack } from '../fixtures/stack.js';
import { anthropicStub, claudeEnv, clients, JsonLinesClient, killLeftovers, project, SERVER, writeClaudeMcpConfig, type ModelStub } from '../helpers/clients.js';
import { signins, waitForSignins, workspace, type Workspace } from '../helpers/ide.js';
import { keychainRecord } from '../helpers/secrets.js';

const workspaces: Workspace[] = [];
const stubs: ModelStub[] = [];
afterEach(async () => {
  killLeftovers(...workspaces.splice(0));
  await Promise.all(stubs.splice(0).map((stub) => stub.close()));
});

type Json = Record<string, unknown>;
const WHOAMI = `mcp__${SERVER}__whoami`;

describe('a Claude Code 2.1.332 session', () => {
  it('the tools appear in the first session once the user has signed in, and the agent calls whoami: "alice"', async () => {
    const claude = clients.claude();
    const stack = await startStack();
    const ws = workspace({ BROWSER: delayedBrowser(12) });
    workspaces.push(ws);
    const stub = await anthropicStub('whoami');
    stubs.push(stub);
    try {
      const config = writeClaudeMcpConfig(stack.mcp.url, ws);
      // MCP tools are offered to the model only when not deferred behind tool search.
      const env = { ...claudeEnv(ws, stub.url), ANTHROPIC_API_KEY: 'sk-ant-stub', ENABLE_TOOL_SEARCH: 'false' };
      const session = new JsonLinesClient(
        claude,
        ['-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose', '--mcp-config', config, '--strict-mcp-config', '--allowedTools', WHOAMI],
        { env, cwd: project(ws) },
      );
      try {
        const ask = async (text: string): Promise<{ init: Json; result: Json }> => {
          const from = session.messages.length;
          session.send({ type: 'user', message: { role: 'user', content: text } });
          const init = await session.next((m) => m.type === 'system' && m.subtype === 'init', 60_000, from);
          const result = await session.next((m) => m.type === 'result', 60_000, from);
          return { init, result };
        };
        const mcpTools = (init: Json): string[] => ((init.tools as string[] | undefined) ?? []).filter((name) => name.startsWith('mcp__'));

        // The first turn, asked at once: the server is connected while the user is still in the browser.
        const first = await ask('who am i?');
        expect(first.init.mcp_servers).toContainEqual(expect.objectContaining({ name: SERVER, status: 'connected' }));
        expect(mcpTools(first.init)).not.toContain(WHOAMI);

        // The user signs in; mcp-tether says list_changed and Claude Code lists again. Each turn shows the tools it has.
        let turn = first;
        const deadline = Date.now() + 60_000;
        while (!mcpTools(turn.init).includes(WHOAMI) && Date.now() < deadline) {
          await waitForSignins(ws, 1, 1_000);
          turn = await ask('who am i?');
        }
        expect(mcpTools(turn.init)).toContain(WHOAMI);
        // The agent called mcp__tether__whoami and the server's answer came back to it.
        expect(turn.result.result).toBe('tool said: alice');
        const toolResults = session.messages.filter((m) => m.type === 'user').map((m) => JSON.stringify(m));
        expect(toolResults.some((line) => line.includes('tool_result') && line.includes('alice'))).toBe(true);
        expect(stub.requests.some((r) => JSON.stringify(r.body.messages ?? []).includes('alice'))).toBe(true);
      } finally {
        await session.end();
      }
      expect(keychainRecord(ws.home, stack.mcp.url)?.tokens).toBeDefined();
      expect(stack.as.counts.authorizationRequests).toBe(1);
      expect(signins(ws)).toHaveLength(1);
    } finally {
      await stack.close();
    }
  }, 120_000);
});
