// The command line as a user meets it: a real --help, a version, and one-line hints for bad input.
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/ide.js';

const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', env: { PATH: process.env.PATH ?? '', HOME: '/nonexistent' } });

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
    expect(result.stderr).toContain("unknown option '--no-such-flag'");
    expect(result.stderr).toContain('--help');
    expect(result.stdout).toBe('');
  });

  it('names the missing environment variable of a --header', () => {
    const result = run('https://gw.example/mcp', '--header', 'Authorization: Bearer ${TETHER_TEST_UNSET}');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('TETHER_TEST_UNSET is not set');
  });

  it('rejects plain http to a remote host unless --allow-http', () => {
    const result = run('http://gw.example/mcp');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--allow-http');
  });

  it('rejects a callback port that is not a port', () => {
    const result = run('https://gw.example/mcp', '99999');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('not a port number');
  });

  it('explains malformed --static-oauth-client-info JSON', () => {
    const result = run('https://gw.example/mcp', '--static-oauth-client-info', '{client_id:');
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('--static-oauth-client-info is not valid JSON');
  });
});
