// The package a user installs: `npm pack` bundles the CLI and its JavaScript dependencies (scripts/bundle.mjs), so
// installing the tarball fetches mcp-tether and the native keychain binding only. The installed command then does
// the whole job: a browser sign-in (through the bundled xdg-open and $BROWSER), the keychain, a tool call.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridgeServer } from './fixtures/bridge-server.js';
import { startHttpProxy } from './fixtures/http-proxy.js';
import { startStack, type Stack } from './fixtures/stack.js';
import { createTestCa } from './fixtures/test-ca.js';
import { signins, text, workspace, type Workspace } from './helpers/ide.js';
import { delayedBrowser } from './bridge/drivers.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function run(command: string, args: string[], cwd: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** The installed command started as an IDE starts it, connected. */
async function connectInstalled(command: string, url: string, ws: Workspace, args: string[] = []): Promise<Client> {
  const transport = new StdioClientTransport({ command, args: [url, ...args], env: ws.env, stderr: 'pipe' });
  const client = new Client({ name: 'ide-stand-in', version: '1.0.0' }, { capabilities: {} });
  await client.connect(transport, { timeout: 60_000 });
  return client;
}

describe('the packed package', () => {
  let dir: string;
  let installed: string;
  let stack: Stack;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tether-package-'));
    // The package as npm pack makes it, assembled beside the checkout (the checkout's dist/ stays as the tests use it).
    const source = join(dir, 'source');
    cpSync(join(ROOT, 'bin'), join(source, 'bin'), { recursive: true });
    writeFileSync(join(source, 'package.json'), readFileSync(join(ROOT, 'package.json')));
    writeFileSync(join(source, 'README.md'), readFileSync(join(ROOT, 'README.md')));
    run(process.execPath, [join(ROOT, 'scripts', 'bundle.mjs'), '--out', source], ROOT);
    const tarball = run('npm', ['pack', '--ignore-scripts', '--silent', '--pack-destination', dir], source).trim().split('\n').at(-1) ?? '';
    const app = join(dir, 'app');
    run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', '--prefix', app, join(dir, tarball)], dir);
    installed = join(app, 'node_modules', '.bin', 'mcp-tether');
    stack = await startStack();
  }, 180_000);
  afterAll(async () => {
    await stack?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('installs mcp-tether and the native keychain binding, nothing else', () => {
    const modules = join(dir, 'app', 'node_modules');
    const names = readdirSync(modules).flatMap((name) => (name.startsWith('@') ? readdirSync(join(modules, name)).map((inner) => `${name}/${inner}`) : name.startsWith('.') ? [] : [name]));
    expect(names.filter((name) => !name.startsWith('@napi-rs/keyring'))).toEqual(['mcp-tether']);
    expect(readFileSync(join(modules, 'mcp-tether', 'pack', 'THIRD_PARTY_LICENSES.md'), 'utf8')).toContain('## openid-client@');
  });

  it('the installed command signs in through the browser, keeps the tokens in the keychain and calls a tool', async () => {
    const ws = workspace();
    const client = await connectInstalled(installed, stack.mcp.url, ws);
    try {
      expect(text(await client.callTool({ name: 'whoami', arguments: {} }))).toBe('alice');
      expect(signins(ws)).toHaveLength(1);
    } finally {
      await client.close();
    }
    const version = spawnSync(installed, ['--version'], { encoding: 'utf8', env: ws.env });
    expect(version.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    const status = spawnSync(installed, ['status', '--json'], { encoding: 'utf8', env: ws.env });
    expect(JSON.parse(status.stdout)).toEqual([expect.objectContaining({ server: stack.mcp.url, usable: true, store: expect.objectContaining({ kind: 'keychain' }) })]);
  }, 90_000);

  it('the installed command edits IDE configurations (the JSONC and TOML editors are in the bundle)', () => {
    const ws = workspace();
    mkdirSync(join(ws.home, '.cursor'));
    const cursor = join(ws.home, '.cursor', 'mcp.json');
    writeFileSync(cursor, '{\n  // mine\n  "mcpServers": {}\n}\n');
    for (const ide of ['cursor', 'codex']) {
      const added = spawnSync(installed, ['add', 'work', stack.mcp.url, '--ide', ide, '--command', 'local'], { encoding: 'utf8', env: ws.env });
      expect(added.status, added.stderr).toBe(0);
    }
    const entry = { command: process.execPath, args: [realpathSync(join(dir, 'app', 'node_modules', 'mcp-tether', 'bin', 'mcp-tether.js')), stack.mcp.url] };
    expect(readFileSync(cursor, 'utf8')).toBe(`{\n  // mine\n  "mcpServers": {\n    "work": ${JSON.stringify(entry, null, 2).replaceAll('\n', '\n    ')}\n  }\n}\n`);
    expect(readFileSync(join(ws.home, '.codex', 'config.toml'), 'utf8')).toContain(`[mcp_servers.work]\ncommand = ${JSON.stringify(entry.command)}`);
    const removed = spawnSync(installed, ['remove', 'work', '--ide', 'cursor'], { encoding: 'utf8', env: ws.env });
    expect(removed.status, removed.stderr).toBe(0);
    expect(readFileSync(cursor, 'utf8')).toBe('{\n  // mine\n  "mcpServers": {}\n}\n');
  });

  // The bundle loads undici (HTTP client, proxy and CA support) as a CommonJS module inside an ES module; these two
  // fail if that load breaks, as they did when the bundle handed undici over as `default` only.
  it('the installed command honours HTTPS_PROXY: the sign-in and the tool call pass the proxy', async () => {
    const proxy = await startHttpProxy();
    const ws = workspace({ HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url, NO_PROXY: '', BROWSER: delayedBrowser(0, { withoutProxy: true }) });
    const client = await connectInstalled(installed, stack.mcp.url, ws);
    try {
      expect(text(await client.callTool({ name: 'echo', arguments: { text: 'via the proxy' } }))).toBe('via the proxy');
      const passed = proxy.requests.map((request) => `${request.method} ${new URL(request.url).pathname}`);
      expect(passed).toContain('POST /mcp');
      expect(passed.some((line) => line.endsWith('/token'))).toBe(true);
    } finally {
      await client.close();
      await proxy.close();
    }
  }, 90_000);

  it('the installed command trusts a private certificate authority given with --ca-file', async () => {
    const ca = createTestCa();
    const server = await startBridgeServer({ tls: { key: ca.key, cert: ca.cert } });
    const ws = workspace({ NODE_EXTRA_CA_CERTS: '' });
    try {
      const client = await connectInstalled(installed, server.url, ws, ['--ca-file', ca.caFile]);
      try {
        expect(text(await client.callTool({ name: 'echo', arguments: { text: 'over https' } }))).toBe('over https');
      } finally {
        await client.close();
      }
    } finally {
      await server.close();
      ca.remove();
    }
  }, 60_000);
});
