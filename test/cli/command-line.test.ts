// The command line as a user meets it: a real --help, a version, and one-line hints for bad input.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/ide.js';

/** Runs the CLI with `args`; `input` is what an IDE would write to its stdin (nothing by default). */
const runWith = (input: string, ...args: string[]) =>
  spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', input, env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent' } });
const run = (...args: string[]) => runWith('', ...args);

describe('mcp-tether command line', () => {
  it('--help lists every option with its meaning', () => {
    const result = run('--help');
    expect(result.status).toBe(0);
    for (const option of ['--header', '--allow-http', '--static-oauth-client-info', '--host', '--auth-timeout', '--debug', '--silent', '--callback-path', '--token-store']) {
      expect(result.stdout).toContain(option);
    }
    expect(result.stdout).toContain('[callback-port]');
  });

  it('--version prints the package version', () => {
    const result = run('--version');
    expect(result.status).toBe(0);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('refuses an unknown option with a hint instead of ignoring it', () => {
    const result = run('https://gw.example/mcp', '--no-such-flag');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('[TETHER_UNKNOWN_OPTION]');
    expect(result.stderr).toContain("'--no-such-flag'");
    expect(result.stderr).toContain('mcp-tether --help');
    expect(result.stdout).toBe('');
  });

  it('names the missing environment variable of a --header', () => {
    const result = run('https://gw.example/mcp', '--header', 'Authorization: Bearer ${TETHER_TEST_UNSET}');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('[TETHER_INVALID_ARGUMENT]');
    expect(result.stderr).toContain('TETHER_TEST_UNSET');
  });

  it('rejects plain http to a remote host unless --allow-http', () => {
    const result = run('http://gw.example/mcp');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('[TETHER_INSECURE_URL]');
    expect(result.stderr).toContain('--allow-http');
  });

  it('rejects a callback port that is not a port', () => {
    const result = run('https://gw.example/mcp', '99999');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('[TETHER_INVALID_ARGUMENT]');
    expect(result.stderr).toContain('"99999"');
  });

  it('explains malformed --static-oauth-client-info JSON', () => {
    const result = run('https://gw.example/mcp', '--static-oauth-client-info', '{client_id:');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('[TETHER_INVALID_ARGUMENT]');
    expect(result.stderr).toContain('--static-oauth-client-info');
  });

  // The README's exit-code legend: 2 for every mistake on the command line, whatever the command, in one style.
  const usage: Array<[string, string[], string]> = [
    ['a mistyped command', ['statsu'], 'TETHER_UNKNOWN_COMMAND'],
    ['a mistyped option of a command', ['status', '--jsno'], 'TETHER_UNKNOWN_OPTION'],
    ['a missing server URL', [], 'TETHER_MISSING_ARGUMENT'],
    ['logout with something that is not a URL', ['logout', 'not-a-url'], 'TETHER_INVALID_URL'],
    ['logout with neither URL nor --all', ['logout'], 'TETHER_MISSING_ARGUMENT'],
    ['a URL without its scheme', ['localhost:3000/mcp'], 'TETHER_INVALID_URL'],
    ['a static client without client_id', ['https://gw.example/mcp', '--static-oauth-client-info', '{"client":"x"}'], 'TETHER_INVALID_ARGUMENT'],
    ['a value outside its choices', ['https://gw.example/mcp', '--token-store', 'keyring'], 'TETHER_INVALID_ARGUMENT'],
    ['a value missing', ['https://gw.example/mcp', '--scope'], 'TETHER_MISSING_ARGUMENT'],
    ['a --resource that is not a URI', ['https://gw.example/mcp', '--resource', 'not a uri'], 'TETHER_INVALID_ARGUMENT'],
    ['--token-endpoint without --client-credentials', ['https://gw.example/mcp', '--token-endpoint', 'https://a.example/token'], 'TETHER_INVALID_ARGUMENT'],
    ['an unreadable --header-file', ['https://gw.example/mcp', '--header-file', '/nonexistent/headers'], 'TETHER_UNREADABLE_FILE'],
    ['an unreadable --ca-file for logout', ['logout', '--all', '--ca-file', '/nonexistent/ca.pem'], 'TETHER_UNREADABLE_FILE'],
    ['--client-assertion without the client it authenticates', ['https://gw.example/mcp', '--client-assertion', '/run/token'], 'TETHER_INVALID_ARGUMENT'],
    ['--client-assertion beside --client-private-key', ['https://gw.example/mcp', '--static-oauth-client-info', '{"client_id":"a"}', '--client-assertion', '/run/token', '--client-private-key', '/run/key.pem'], 'TETHER_INVALID_ARGUMENT'],
    ['--enterprise-idp without its client', ['https://gw.example/mcp', '--enterprise-idp', 'https://login.example.com', '--static-oauth-client-info', '{"client_id":"a"}'], 'TETHER_INVALID_ARGUMENT'],
    ['--enterprise-idp beside --client-credentials', ['https://gw.example/mcp', '--enterprise-idp', 'https://login.example.com', '--client-credentials'], 'TETHER_INVALID_ARGUMENT'],
    ['--accept-issuer that is not a URL', ['https://gw.example/mcp', '--accept-issuer', 'cf.mcp.atlassian.com'], 'TETHER_INVALID_ARGUMENT'],
  ];
  it.each(usage)('%s: exit 2 and its code, in one style', (_what, args, code) => {
    const result = run(...args);
    expect(result.status).toBe(2);
    expect(result.stderr).toMatch(new RegExp(`^\\[mcp-tether\\] .+ \\[${code}\\]\\n  -> .+\\n$`));
    expect(result.stdout).toBe('');
  });

  it('a malformed secret on the command line is never repeated back, on stderr or to the IDE', () => {
    for (const args of [
      ['--static-oauth-client-info', '{"client_id":"abc","client_secret":s3cretvalue}'],
      ['--header', 'API_KEY=sk-live-0123456789'],
    ]) {
      const initialize = { jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities: {}, clientInfo: { name: 'ide', version: '1' } } };
      const result = runWith(`${JSON.stringify(initialize)}\n`, 'https://gw.example/mcp', ...args);
      expect(result.status).toBe(2);
      expect(JSON.parse(result.stdout).error.data.code).toBe('TETHER_INVALID_ARGUMENT');
      for (const text of [result.stderr, result.stdout]) {
        expect(text).not.toContain('s3cret');
        expect(text).not.toContain('sk-live');
      }
    }
  });

  it('help of a mistyped command suggests the command', () => {
    const result = run('help', 'logn');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('[TETHER_UNKNOWN_COMMAND]');
    expect(result.stderr).toContain('Did you mean mcp-tether help login?');
  });

  it('help <command> shows that command\'s help', () => {
    const result = run('help', 'status');
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('Usage: mcp-tether status');
    expect(result.stdout).toContain('--check');
  });
});
