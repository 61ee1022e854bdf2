// `add`, `add --from-mcp-remote` and `remove` on real-looking configuration files of every IDE (comments, other
// servers, tabs, CRLF, no final newline, TOML): everything outside the entry stays byte for byte, the write is a
// rename with a backup of the previous file, a second add changes nothing, a different entry of the same name is
// refused without --force, remove gives the original file back, --print writes nothing.
import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { parse as parseToml } from '@decimalturn/toml-patch';
import { parse as parseJsonc } from 'jsonc-parser';
import { describe, expect, it } from 'vitest';
import { CLI, workspace } from '../helpers/ide.js';
import { configPath, IDES, type IdeId } from '../../src/ide/ides.js';

const URL = 'https://gw.example/mcp';
const OTHER_URL = 'https://other.example/mcp';

const ORIGINALS: Record<IdeId, string> = {
  kiro: '{\n  // servers for every workspace\n  "mcpServers": {\n    "fetch": {\n      "command": "uvx",\n      "args": ["mcp-server-fetch"],\n      "disabled": false,\n      "autoApprove": []\n    }\n  }\n}\n',
  'kiro-workspace': '{\n\t"mcpServers": {\n\t\t/* local tools */\n\t\t"git": { "command": "uvx", "args": ["mcp-server-git"] }\n\t}\n}\n',
  'claude-desktop': '{\n  "globalShortcut": "Ctrl+Space",\n  "mcpServers": {\n    "filesystem": {\n      "command": "npx",\n      "args": ["-y", "@modelcontextprotocol/server-filesystem", "/Users/ann/Desktop"]\n    }\n  }\n}',
  'claude-code': '{\n  "numStartups": 12,\n  "projects": {\n    "/home/ann/proj": {\n      "allowedTools": [],\n      "mcpServers": {}\n    }\n  },\n  "mcpServers": {\n    "memory": {\n      "type": "stdio",\n      "command": "npx",\n      "args": ["-y", "@modelcontextprotocol/server-memory"],\n      "env": {}\n    }\n  },\n  "userID": "abc"\n}\n',
  'claude-code-project': '{\r\n    "mcpServers": {\r\n        "db": {\r\n            "command": "node",\r\n            "args": ["db.js"]\r\n        }\r\n    }\r\n}\r\n',
  cursor: '{\n    // Cursor\n    "mcpServers": {\n        "other": { "command": "uvx", "args": ["x"] }, // keep me\n    },\n    "zz": 1\n}\n',
  'cursor-workspace': '{"mcpServers":{"a":{"command":"x"}}}',
  vscode: '{\n\t"inputs": [\n\t\t{ "type": "promptString", "id": "key", "password": true }\n\t],\n\t// user servers\n\t"servers": {\n\t\t"github": {\n\t\t\t"type": "http",\n\t\t\t"url": "https://api.githubcopilot.com/mcp/"\n\t\t}\n\t}\n}\n',
  'vscode-workspace': '{\r\n  "servers": {\r\n    "py": {\r\n      "type": "stdio",\r\n      "command": "python",\r\n      "args": ["server.py"] // dev\r\n    }\r\n  }\r\n}\r\n',
  windsurf: '{\n  "mcpServers": {}\n}\n',
  gemini: '{\n  "theme": "GitHub",\n  "mcpServers": {\n    "weather": {\n      "command": "node",\n      "args": ["weather.js"],\n      "timeout": 30000\n    }\n  },\n  "general": { "vimMode": true }\n}\n',
  codex: '# Codex settings\nmodel = "o4-mini"   # default model\n\n[mcp_servers.docs]\ncommand = "npx"\nargs = ["-y", "docs-mcp"]  # keep\n\n[mcp_servers.docs.env]\nDOCS_TOKEN = "t0ken-value"\n\n[profiles.fast]\nmodel = "o4-mini"\n',
};

async function tether(args: string[], env: Record<string, string>, cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [CLI, ...args], { env, cwd });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

function serversOf(ide: IdeId, text: string): Record<string, unknown> {
  const document = (IDES[ide].format === 'toml' ? parseToml(text) : parseJsonc(text)) as Record<string, Record<string, unknown>>;
  return document[IDES[ide].serversKey] ?? {};
}

function setUp(ide: IdeId): { file: string; env: Record<string, string>; cwd: string; read: () => string } {
  const ws = workspace();
  const cwd = join(ws.home, 'proj');
  mkdirSync(cwd, { recursive: true });
  const file = configPath(ide, { platform: process.platform, env: {}, home: ws.home, cwd });
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, ORIGINALS[ide], { mode: 0o640 });
  return { file, env: ws.env, cwd, read: () => readFileSync(file, 'utf8') };
}

describe('add and remove, every IDE', () => {
  it.each(Object.keys(ORIGINALS) as IdeId[])('%s: surgical, atomic, backed up, idempotent, refuses a conflict, undone by remove', async (ide) => {
    const { file, env, cwd, read } = setUp(ide);
    const original = ORIGINALS[ide];
    const run = (...args: string[]) => tether([...args, '--ide', ide], env, cwd);
    const proxy = [URL, '3334', '--static-oauth-client-info', '{"client_id":"a"}'];

    const printed = await run('add', 'work', ...proxy, '--print');
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toContain('+');
    expect(printed.stdout).toContain('nothing was written');
    expect(read()).toBe(original);
    expect(existsSync(`${file}.mcp-tether.bak`)).toBe(false);

    const inode = statSync(file).ino;
    const added = await run('add', 'work', ...proxy);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain(`Added "work" to ${IDES[ide].label}`);
    // A file in a project folder (which git may pick up) has its backup in the state directory, owner-only.
    const backup = /the previous file is kept as (.+)\.\n/.exec(added.stdout)?.[1] ?? '';
    if ('inProject' in IDES[ide]) {
      expect(backup.startsWith(join(env.HOME ?? '', '.local', 'state', 'mcp-tether', 'backups'))).toBe(true);
      expect(readdirSync(dirname(file)).filter((name) => name.endsWith('.bak'))).toEqual([]);
    } else expect(backup).toBe(`${file}.mcp-tether.bak`);
    expect(statSync(backup).mode & 0o777).toBe(0o600);
    const after = read();
    const entry = { ...(IDES[ide].typed ? { type: 'stdio' } : {}), command: 'npx', args: ['-y', 'mcp-tether', ...proxy] };
    const before = serversOf(ide, original);
    expect(serversOf(ide, after)).toEqual({ ...before, work: entry });
    expect(readFileSync(backup, 'utf8')).toBe(original);
    expect(statSync(file).ino).not.toBe(inode); // replaced by a rename
    expect(statSync(file).mode & 0o777).toBe(0o640);
    expect(readdirSync(dirname(file)).filter((name) => name.endsWith('.tmp'))).toEqual([]);

    const again = await run('add', 'work', ...proxy);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('already has "work" set up this way');
    expect(read()).toBe(after);
    expect(readFileSync(backup, 'utf8')).toBe(original); // no new backup

    const conflict = await run('add', 'work', OTHER_URL);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('[TETHER_CONFIG_CONFLICT]');
    expect(conflict.stderr).toContain('--force');
    expect(read()).toBe(after);

    const forced = await run('add', 'work', OTHER_URL, '--force');
    expect(forced.code, forced.stderr).toBe(0);
    expect(serversOf(ide, read())).toEqual({ ...before, work: { ...entry, args: ['-y', 'mcp-tether', OTHER_URL] } });

    const removed = await run('remove', 'work');
    expect(removed.code, removed.stderr).toBe(0);
    expect(read()).toBe(original);

    const absent = await run('remove', 'work');
    expect(absent.code).toBe(0);
    expect(absent.stdout).toContain('no server named "work"');
  });

  it('a file that does not exist is created, folders too; remove refuses an entry that is not mcp-tether\'s without --force', async () => {
    const ws = workspace();
    const file = join(ws.home, '.codeium', 'windsurf', 'mcp_config.json');
    const added = await tether(['add', 'work', URL, '--ide', 'windsurf', '--env', 'CLIENT_SECRET=s3cr3t-value'], ws.env, ws.home);
    expect(added.code, added.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ mcpServers: { work: { command: 'npx', args: ['-y', 'mcp-tether', URL], env: { CLIENT_SECRET: 's3cr3t-value' } } } });
    expect(existsSync(`${file}.mcp-tether.bak`)).toBe(false);
    const printed = await tether(['add', 'work', OTHER_URL, '--ide', 'windsurf', '--force', '--print'], ws.env, ws.home);
    expect(printed.stdout).not.toContain('s3cr3t-value'); // --print masks the entry's environment
    // An env value is masked as a whole value only: the same word elsewhere stays readable.
    const short = await tether(['add', 'other', URL, '--ide', 'windsurf', '--env', 'RUNNER=npx', '--print'], ws.env, ws.home);
    expect(short.stdout).toContain('"RUNNER": "[redacted]"');
    expect(short.stdout).toContain('"command": "npx"');
    writeFileSync(file, '{"mcpServers": {"fs": {"command": "npx", "args": ["-y", "server-fs"]}}}');
    const refused = await tether(['remove', 'fs', '--ide', 'windsurf'], ws.env, ws.home);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('[TETHER_CONFIG_CONFLICT]');
    const forced = await tether(['remove', 'fs', '--ide', 'windsurf', '--force'], ws.env, ws.home);
    expect(forced.code, forced.stderr).toBe(0);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({ mcpServers: {} });
  });

  it('a file saved with a byte order mark (Windows editors) keeps it: add and remove give the same bytes back', async () => {
    const ws = workspace();
    const file = join(ws.home, '.cursor', 'mcp.json');
    mkdirSync(dirname(file), { recursive: true });
    const original = '\uFEFF{\r\n  "mcpServers": {\r\n    "fs": { "command": "npx", "args": ["-y", "server-fs"] }\r\n  }\r\n}\r\n';
    writeFileSync(file, original);
    const added = await tether(['add', 'work', URL, '--ide', 'cursor'], ws.env, ws.home);
    expect(added.code, added.stderr).toBe(0);
    const after = readFileSync(file, 'utf8');
    expect(after.startsWith('\uFEFF{\r\n')).toBe(true);
    expect(serversOf('cursor', after.slice(1))).toMatchObject({ work: { command: 'npx', args: ['-y', 'mcp-tether', URL] } });
    expect(readFileSync(`${file}.mcp-tether.bak`, 'utf8')).toBe(original);
    const removed = await tether(['remove', 'work', '--ide', 'cursor'], ws.env, ws.home);
    expect(removed.code, removed.stderr).toBe(0);
    expect(readFileSync(file, 'utf8')).toBe(original);
  });

  it('a configuration file that is a symbolic link stays one: the file it points at is edited', async () => {
    const ws = workspace();
    const real = join(ws.home, 'dotfiles', 'cursor-mcp.json');
    mkdirSync(dirname(real), { recursive: true });
    writeFileSync(real, '{ "mcpServers": {} }\n');
    mkdirSync(join(ws.home, '.cursor'));
    symlinkSync(real, join(ws.home, '.cursor', 'mcp.json'));
    const added = await tether(['add', 'work', URL, '--ide', 'cursor'], ws.env, ws.home);
    expect(added.code, added.stderr).toBe(0);
    expect(lstatSync(join(ws.home, '.cursor', 'mcp.json')).isSymbolicLink()).toBe(true);
    expect(serversOf('cursor', readFileSync(real, 'utf8'))).toEqual({ work: { command: 'npx', args: ['-y', 'mcp-tether', URL] } });
    expect(readFileSync(`${real}.mcp-tether.bak`, 'utf8')).toBe('{ "mcpServers": {} }\n');
  });

  it('a broken file is refused untouched, naming the line and column and not its text; options the proxy refuses write nothing', async () => {
    const ws = workspace();
    const file = join(ws.home, '.cursor', 'mcp.json');
    mkdirSync(dirname(file), { recursive: true });
    const broken = '{\n  "mcpServers": {\n    "x": { "env": { "TOKEN": "very-secret-token" } }\n    "y": {}\n  }\n}\n';
    writeFileSync(file, broken);
    const refused = await tether(['add', 'work', URL, '--ide', 'cursor'], ws.env, ws.home);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('[TETHER_CONFIG_INVALID]');
    expect(refused.stderr).toContain('line 4, column 5');
    expect(refused.stderr).not.toContain('very-secret-token');
    expect(readFileSync(file, 'utf8')).toBe(broken);
    const toml = join(ws.home, '.codex', 'config.toml');
    mkdirSync(dirname(toml), { recursive: true });
    writeFileSync(toml, 'model = "x"\nsecret = = "very-secret-token"\n');
    const tomlRefused = await tether(['add', 'work', URL, '--ide', 'codex'], ws.env, ws.home);
    expect(tomlRefused.stderr).toContain('[TETHER_CONFIG_INVALID]');
    expect(tomlRefused.stderr).toMatch(/line 2, column \d+/);
    expect(tomlRefused.stderr).not.toContain('very-secret-token');

    writeFileSync(file, '{}\n');
    const typo = await tether(['add', 'work', URL, '--ide', 'cursor', '--statc-oauth-client-info', '{}'], ws.env, ws.home);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('[TETHER_UNKNOWN_OPTION]');
    expect(readFileSync(file, 'utf8')).toBe('{}\n');
    const relative = await tether(['add', 'work', URL, '--ide', 'cursor', '--header-file', 'headers.txt'], ws.env, ws.home);
    expect(relative.code).toBe(2);
    expect(relative.stderr).toContain('--header-file names "headers.txt", a path relative to this folder');
    expect(readFileSync(file, 'utf8')).toBe('{}\n');
  });

  it('a write that fails half-way (the backup cannot be written) leaves the original intact, with a coded error and no temporary file', async () => {
    const { file, env, cwd, read } = setUp('cursor');
    mkdirSync(`${file}.mcp-tether.bak`); // a folder where the backup would go
    const failed = await tether(['add', 'work', URL, '--ide', 'cursor'], env, cwd);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toContain('[TETHER_CONFIG_WRITE_FAILED]');
    expect(read()).toBe(ORIGINALS.cursor);
    expect(readdirSync(dirname(file)).filter((name) => name.endsWith('.tmp'))).toEqual([]);
  });

  it('--from-mcp-remote rewrites every mcp-remote entry to mcp-tether with the same arguments and environment, and names what it skips', async () => {
    const { file, env, cwd, read } = setUp('claude-desktop');
    const original = [
      '{',
      '  "mcpServers": {',
      '    "gateway": {',
      '      "command": "npx",',
      '      "args": ["-y", "mcp-remote", "https://gw.example/mcp", "3334", "--header", "Authorization: Bearer ${TOKEN}"],',
      '      "env": { "TOKEN": "abc-token-value" }',
      '    },',
      '    "pinned": {',
      '      "command": "npx",',
      '      "args": [',
      '        "-y",',
      '        "mcp-remote@0.1.29",',
      '        "https://other.example/sse",',
      '        "--transport",',
      '        "sse-only"',
      '      ]',
      '    },',
      '    "lookalike": { "command": "npx", "args": ["-y", "mcp-remote-client", "https://x.example"] },',
      '    "fs": { "command": "npx", "args": ["-y", "server-fs"] }',
      '  }',
      '}',
      '',
    ].join('\n');
    writeFileSync(file, original);
    const migrated = await tether(['add', '--from-mcp-remote', '--ide', 'claude-desktop'], env, cwd);
    expect(migrated.code, migrated.stderr).toBe(0);
    expect(migrated.stdout).toContain('"gateway": mcp-remote -> mcp-tether https://gw.example/mcp 3334');
    expect(migrated.stdout).toContain('"pinned": mcp-remote -> mcp-tether');
    expect(migrated.stdout).toMatch(/"lookalike": skipped, runs "npx", not mcp-remote/);
    expect(migrated.stdout).not.toContain('abc-token-value');
    expect(migrated.stdout).not.toContain('"fs"');
    // Only the package name changed: arguments, environment, other entries and layout are the same bytes.
    expect(read()).toBe(original.replace('"mcp-remote",', '"mcp-tether",').replace('"mcp-remote@0.1.29"', '"mcp-tether"'));
    expect(readFileSync(`${file}.mcp-tether.bak`, 'utf8')).toBe(original);
    const again = await tether(['add', '--from-mcp-remote', '--ide', 'claude-desktop'], env, cwd);
    expect(again.stdout).toContain('nothing changed');
  });
});
