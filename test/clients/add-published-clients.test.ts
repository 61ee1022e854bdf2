// `add` writing into the configuration of the published clients .ci/install puts in .tmp/client-tools, each then
// starting the written entry itself: `claude mcp list` and `gemini mcp list` report it connected, and Codex's
// app-server calls whoami through it. The user signed in beforehand with `mcp-tether login`; the entries run this
// checkout (`--command local`: npx would need the registry) with the workspace's keyring session in `env`.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startStack, type Stack } from '../fixtures/stack.js';
import { runCli } from '../helpers/cli.js';
import { claudeEnv, clients, geminiEnv, JsonLinesClient, killLeftovers, project, runClient, SERVER, writeCodexConfig, writeGeminiSettings } from '../helpers/clients.js';
import { workspace, type Workspace } from '../helpers/ide.js';

const workspaces: Workspace[] = [];
afterEach(() => killLeftovers(...workspaces.splice(0)));

type Add = (ide: string, env: Record<string, string>) => Promise<void>;

/** Runs `story` with the stack, a signed-in user's workspace, and `add` run with a client's environment (where that client keeps its files). */
async function signedIn(story: (stack: Stack, ws: Workspace, add: Add) => Promise<void>): Promise<void> {
  const stack = await startStack();
  try {
    const ws = workspace();
    workspaces.push(ws);
    const login = await runCli(ws, ['login', stack.mcp.url]);
    expect(login.code, login.stderr).toBe(0);
    await story(stack, ws, async (ide, env) => {
      const passed = Object.entries(ws.env).flatMap(([key, value]) => ['--env', `${key}=${value}`]);
      const added = await runCli(ws, ['add', SERVER, stack.mcp.url, '--ide', ide, '--command', 'local', ...passed], env);
      expect(added.code, added.stderr).toBe(0);
    });
  } finally {
    await stack.close();
  }
}

describe('add, then the published clients start what it wrote', () => {
  it('Claude Code 2.1.332: claude mcp list says Connected', async () => {
    const claude = clients.claude();
    await signedIn(async (_, ws, add) => {
      const env = claudeEnv(ws);
      writeFileSync(join(ws.home, '.claude.json'), 'not the file: CLAUDE_CONFIG_DIR is set');
      await add('claude-code', env);
      const run = await runClient(claude, ['mcp', 'list'], { env, cwd: project(ws), timeoutMs: 60_000 });
      expect(run.stdout.split('\n').find((line) => line.startsWith(`${SERVER}: `)), run.stdout + run.stderr).toMatch(/ - ✔ Connected$/);
    });
  }, 120_000);

  it('Gemini CLI 0.61.0: gemini mcp list says Connected, with the user\'s other settings kept', async () => {
    const gemini = clients.gemini();
    await signedIn(async (stack, ws, add) => {
      // The user's settings (auto-update and telemetry off), without mcp-tether yet.
      writeGeminiSettings(stack.mcp.url, ws);
      const file = join(ws.home, '.gemini', 'settings.json');
      const settings = JSON.parse(readFileSync(file, 'utf8')) as { mcpServers: Record<string, unknown> };
      delete settings.mcpServers[SERVER];
      writeFileSync(file, JSON.stringify(settings, null, 2));
      const env = geminiEnv(ws);
      await add('gemini', env);
      const run = await runClient(process.execPath, [gemini, 'mcp', 'list'], { env, cwd: project(ws), timeoutMs: 60_000 });
      const line = `${run.stdout}\n${run.stderr}`.split('\n').find((l) => l.includes(` ${SERVER}: `));
      expect(line, run.stdout + run.stderr).toMatch(/\(stdio\) - Connected$/);
      expect((JSON.parse(readFileSync(file, 'utf8')) as { telemetry?: unknown }).telemetry).toEqual({ enabled: false });
    });
  }, 120_000);

  it('Codex 0.171.0: the app-server starts the written table and calls whoami', async () => {
    const codex = clients.codex();
    await signedIn(async (stack, ws, add) => {
      // Codex's loopback-only settings, without mcp-tether's table yet.
      const env = writeCodexConfig(stack.mcp.url, ws);
      const file = join(ws.home, '.codex', 'config.toml');
      const toml = readFileSync(file, 'utf8');
      writeFileSync(file, toml.slice(0, toml.indexOf(`[mcp_servers.${SERVER}]`)));
      await add('codex', env);
      const cwd = project(ws);
      const app = new JsonLinesClient(codex, ['app-server'], { env, cwd });
      let id = 0;
      const request = async (method: string, params: Record<string, unknown>): Promise<Record<string, unknown>> => {
        const sent = ++id;
        app.send({ id: sent, method, params });
        const answer = await app.next((m) => m.id === sent && !('method' in m), 60_000);
        if (answer.error) throw new Error(`${method}: ${JSON.stringify(answer.error)}`);
        return answer.result as Record<string, unknown>;
      };
      try {
        await request('initialize', { clientInfo: { name: 'tether-test', title: null, version: '0.0.0' }, capabilities: { experimentalApi: true, requestAttestation: false } });
        app.send({ method: 'initialized' });
        const thread = (await request('thread/start', { cwd, ephemeral: true, approvalPolicy: 'never' })).thread as { id: string };
        const settled = await app.next((m) => m.method === 'mcpServer/startupStatus/updated' && (m.params as { name?: string }).name === SERVER && (m.params as { status?: string }).status !== 'starting', 60_000);
        expect((settled.params as { status?: string }).status, JSON.stringify(settled.params)).toBe('ready');
        const called = await request('mcpServer/tool/call', { threadId: thread.id, server: SERVER, tool: 'whoami', arguments: {} });
        expect(JSON.stringify(called.content)).toContain('alice');
      } finally {
        await app.end();
      }
    });
  }, 120_000);
});
