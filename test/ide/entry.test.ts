// The entry add writes, recognising mcp-tether's own entries, and mcp-remote entries in their many shapes.
import { describe, expect, it } from 'vitest';
import { buildEntry, cmdRefusal, localRunner, npxRunner, runsTether, sameEntry } from '../../src/ide/entry.js';
import { matchMcpRemote } from '../../src/ide/mcp-remote.js';

const URL = 'https://gw.example/mcp';

describe('the entry add writes', () => {
  it('runs npx -y mcp-tether with the proxy arguments verbatim; cmd /c npx on Windows; type stdio where the IDE wants it', () => {
    const proxyArgs = [URL, '3334', '--static-oauth-client-info', '{"client_id":"a"}'];
    expect(buildEntry({ runner: npxRunner('darwin'), proxyArgs, env: {}, typed: false })).toEqual({ command: 'npx', args: ['-y', 'mcp-tether', ...proxyArgs] });
    expect(buildEntry({ runner: npxRunner('win32'), proxyArgs, env: { K: 'v' }, typed: true })).toEqual({ type: 'stdio', command: 'cmd', args: ['/c', 'npx', '-y', 'mcp-tether', ...proxyArgs], env: { K: 'v' } });
    expect(buildEntry({ runner: localRunner('/usr/bin/node', '/opt/mcp-tether/bin/mcp-tether.js'), proxyArgs: [URL], env: {}, typed: false })).toEqual({ command: '/usr/bin/node', args: ['/opt/mcp-tether/bin/mcp-tether.js', URL] });
  });

  it('is the same entry whatever the user added beside it (autoApprove, disabled), and not when the arguments differ', () => {
    const entry = buildEntry({ runner: npxRunner('linux'), proxyArgs: [URL], env: {}, typed: true });
    expect(sameEntry({ ...entry, autoApprove: ['x'] }, entry)).toBe(true);
    expect(sameEntry({ ...entry, env: {} }, entry)).toBe(true);
    expect(sameEntry({ ...entry, args: ['-y', 'mcp-tether', URL, '--debug'] }, entry)).toBe(false);
    expect(sameEntry({ ...entry, type: 'http' }, entry)).toBe(false);
  });

  it('knows an entry that runs mcp-tether, and not one that only mentions it after the URL', () => {
    expect(runsTether({ command: 'npx', args: ['-y', 'mcp-tether@0.2.0', URL] })).toBe(true);
    expect(runsTether({ command: 'cmd', args: ['/c', 'npx', '-y', 'mcp-tether', URL] })).toBe(true);
    expect(runsTether({ command: 'C:\\Users\\ann\\AppData\\Roaming\\npm\\mcp-tether.cmd', args: [URL] })).toBe(true);
    expect(runsTether({ command: '/usr/bin/node', args: ['/opt/x/bin/mcp-tether.js', URL] })).toBe(true);
    expect(runsTether({ command: 'npx', args: ['-y', 'mcp-remote', URL, '--header', 'X: mcp-tether'] })).toBe(false);
    expect(runsTether({ command: 'npx', args: ['-y', 'mcp-tether-fork', URL] })).toBe(false);
    expect(runsTether({ url: URL })).toBe(false);
  });
});

describe('mcp-remote entries', () => {
  const runs = (entry: unknown): string[] | undefined => {
    const match = matchMcpRemote(entry);
    return match.runs ? match.proxyArgs : undefined;
  };

  it('recognises npx, npx -p, cmd /c npx, bunx, pnpm dlx and a global install, and keeps the arguments after mcp-remote', () => {
    const rest = [URL, '3334', '--header', 'Authorization: Bearer ${TOKEN}'];
    for (const entry of [
      { command: 'npx', args: ['mcp-remote', ...rest] },
      { command: 'npx', args: ['-y', 'mcp-remote@0.1.29', ...rest] },
      { command: 'npx', args: ['--yes', '-p', 'mcp-remote@latest', 'mcp-remote', ...rest] },
      { command: 'npx', args: ['--package=mcp-remote', 'mcp-remote', ...rest] },
      { command: 'cmd', args: ['/c', 'npx', '-y', 'mcp-remote', ...rest] },
      { command: 'C:\\Windows\\System32\\cmd.exe', args: ['/C', 'npx.cmd', '-y', 'mcp-remote', ...rest] },
      { command: '/usr/local/bin/npx', args: ['-y', 'mcp-remote', ...rest] },
      { command: 'bunx', args: ['mcp-remote', ...rest] },
      { command: 'pnpm', args: ['dlx', 'mcp-remote', ...rest] },
      { command: 'mcp-remote', args: rest },
      { command: '/home/ann/.npm-global/bin/mcp-remote', args: rest },
    ]) {
      expect(runs(entry), JSON.stringify(entry)).toEqual(rest);
    }
  });

  it('leaves alone what only mentions mcp-remote, saying why', () => {
    const cases: Array<[unknown, RegExp]> = [
      [{ command: 'npx', args: ['-y', 'mcp-remote-client', URL] }, /runs "npx", not mcp-remote/],
      [{ command: 'npx', args: ['-y', 'other-server', '--via', 'mcp-remote'] }, /not mcp-remote/],
      [{ command: 'npx', args: ['-p', 'mcp-remote', 'other-bin', URL] }, /installs mcp-remote but runs "other-bin"/],
      [{ command: 'uvx', args: ['mcp-remote', URL] }, /runs "uvx"/],
      [{ command: 'npx', args: ['-y', 'mcp-remote'] }, /without a server URL/],
      [{ command: 'npx', args: ['-y', 'mcp-remote', '--debug', URL] }, /without a server URL/],
      [{ url: 'https://mcp-remote.example/mcp' }, /no command/],
      [{ command: 'npx', args: 'mcp-remote' }, /not a list/],
    ];
    for (const [entry, reason] of cases) {
      const match = matchMcpRemote(entry);
      expect(match.runs, JSON.stringify(entry)).toBe(false);
      if (!match.runs) expect(match.reason).toMatch(reason);
    }
  });
});

describe('cmdRefusal', () => {
  it('refuses what cmd.exe would take as its own in a cmd /c entry, naming the option and never the value', () => {
    const cmd = npxRunner('win32');
    expect(cmdRefusal(cmd, ['https://gw.example/mcp?tenant=a&profile=b'])).toBe('on Windows the entry runs through cmd /c, which would take the "&" in the server URL as its own');
    const refusal = cmdRefusal(cmd, ['https://gw.example/mcp', '--header', 'Authorization: Bearer a|b-secret']);
    expect(refusal).toContain('the value of --header');
    expect(refusal).not.toContain('secret');
    expect(cmdRefusal(cmd, ['https://gw.example/mcp', '--static-oauth-client-info', '{"client_id":"a b"}'])).toBeUndefined();
  });

  it('lets everything through where no cmd.exe is in between', () => {
    expect(cmdRefusal(npxRunner('linux'), ['https://gw.example/mcp?a=1&b=2'])).toBeUndefined();
    expect(cmdRefusal(localRunner('C:\\node\\node.exe', 'C:\\m\\bin\\mcp-tether.js'), ['https://gw.example/mcp?a=1&b=2'])).toBeUndefined();
  });
});
