// The entry `add` writes, started the way an IDE starts it: `command` + `args` with the IDE's environment and the
// entry's `env`, no shell; then initialize, tools/list and a tool call through a browser sign-in. `--command local`
// makes the entry run this checkout (node + bin/mcp-tether.js) instead of npx, which would need the registry.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseJsonc } from 'jsonc-parser';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { describe, expect, it } from 'vitest';
import { startStack } from '../fixtures/stack.js';
import { runCli } from '../helpers/cli.js';
import { CLI, signins, text, waitForSignins, workspace, type Workspace } from '../helpers/ide.js';
import { configPath, IDES, type IdeId } from '../../src/ide/ides.js';

interface Entry {
  type?: string;
  command: string;
  args: string[];
  env?: Record<string, string>;
}

describe('the written entry, started as the IDE starts it', () => {
  it.each([
    ['cursor', ['.cursor', 'mcp.json'], 'mcpServers'],
    ['vscode', ['.config', 'Code', 'User', 'mcp.json'], 'servers'],
  ] as const)('%s: initialize, tools/list and whoami through a browser sign-in', async (ide, path, key) => {
    const stack = await startStack();
    const ws = workspace();
    try {
      const added = await runCli(ws, ['add', 'work', stack.mcp.url, '--ide', ide, '--command', 'local', '--env', 'MCP_TETHER_TEST_MARK=1']);
      expect(added.code, added.stderr).toBe(0);
      const entry = (parseJsonc(readFileSync(join(ws.home, ...path), 'utf8')) as Record<string, Record<string, Entry>>)[key]?.work;
      expect(entry).toMatchObject({ command: process.execPath, args: [CLI, stack.mcp.url], env: { MCP_TETHER_TEST_MARK: '1' } });
      if (entry === undefined) return;
      // StdioClientTransport spawns without a shell, as Cursor and VS Code do; the IDE's own environment plus the entry's.
      const transport = new StdioClientTransport({ command: entry.command, args: entry.args, env: { ...ws.env, ...entry.env }, stderr: 'pipe' });
      const client = new Client({ name: ide, version: '1.0.0' });
      await client.connect(transport, { timeout: 60_000 });
      try {
        const deadline = Date.now() + 60_000;
        let names: string[] = [];
        while (names.length === 0 && Date.now() < deadline) {
          names = (await client.listTools()).tools.map((tool) => tool.name);
          if (names.length === 0) await new Promise((resolve) => setTimeout(resolve, 200));
        }
        expect(names).toContain('whoami');
        expect(text(await client.callTool({ name: 'whoami', arguments: {} }))).toBe('alice');
        expect((await waitForSignins(ws, 1))[0]?.text).toContain('Signed in');
      } finally {
        await client.close();
      }
    } finally {
      await stack.close();
    }
  });

  it('every other IDE whose client is not installed here: its written entry starts and calls whoami with the sign-in kept in the keychain', async () => {
    const stack = await startStack();
    const ws = workspace();
    const cwd = join(ws.home, 'project');
    const start = async (ide: IdeId): Promise<string> => {
      const added = await runCliIn(ws, cwd, ['add', 'work', stack.mcp.url, '--ide', ide, '--command', 'local']);
      expect(added.code, `${ide}: ${added.stderr}`).toBe(0);
      const file = configPath(ide, { platform: process.platform, env: {}, home: ws.home, cwd });
      const entry = (parseJsonc(readFileSync(file, 'utf8')) as Record<string, Record<string, Entry>>)[IDES[ide].serversKey]?.work;
      expect(entry, ide).toMatchObject({ command: process.execPath, args: [CLI, stack.mcp.url] });
      const transport = new StdioClientTransport({ command: entry?.command ?? '', args: entry?.args ?? [], env: { ...ws.env, ...entry?.env }, cwd, stderr: 'pipe' });
      const client = new Client({ name: ide, version: '1.0.0' });
      await client.connect(transport, { timeout: 60_000 });
      try {
        // The first start signs in (the IDE may be answered before the tools are there): listed again until they are.
        const deadline = Date.now() + 60_000;
        while (!(await client.listTools()).tools.some((tool) => tool.name === 'whoami') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 200));
        return text(await client.callTool({ name: 'whoami', arguments: {} }));
      } finally {
        await client.close();
      }
    };
    try {
      const ides: IdeId[] = ['kiro', 'kiro-workspace', 'claude-desktop', 'cursor-workspace', 'vscode-workspace', 'windsurf', 'claude-code-project'];
      for (const ide of ides) expect(await start(ide), ide).toBe('alice');
      expect(signins(ws)).toHaveLength(1); // one sign-in, at the first start; every other entry used the keychain
    } finally {
      await stack.close();
    }
  }, 180_000);
});

/** runCli with a working folder of its own (the project the workspace IDEs' files are in). */
async function runCliIn(ws: Workspace, cwd: string, args: string[]): ReturnType<typeof runCli> {
  mkdirSync(cwd, { recursive: true });
  return runCli(ws, args, {}, 60_000, cwd);
}
