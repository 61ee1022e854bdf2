// The doctor's report: the verdict, the lines a person reads, the JSON shape, and no secret in either (pure).
import { describe, expect, it } from 'vitest';
import { TetherError } from '../../src/errors.js';
import { registerSecret } from '../../src/log.js';
import { fail, ok, renderJson, renderText, reportOf, skipped, Steps, warn } from '../../src/cli/doctor/report.js';
import { proxyFor } from '../../src/cli/doctor/network.js';

describe('the report', () => {
  it('works when no step failed; warnings and skipped steps do not break it', () => {
    expect(reportOf('https://s.example/mcp', [ok('a', 'A'), warn('b', 'B'), skipped('c', 'C', 'not asked')]).works).toBe(true);
    expect(reportOf('https://s.example/mcp', [ok('a', 'A'), fail('b', 'B', new TetherError('TETHER_NO_PKCE', 'no PKCE'))]).works).toBe(false);
  });

  it('steps skipped in a row for one reason read as one: the reason once, then each step', () => {
    const steps = new Steps();
    const tcp = steps.add(fail('tcp', 'TCP', new TetherError('TETHER_UNREACHABLE', 'refused')));
    steps.skipBecause('endpoint', 'MCP endpoint', tcp);
    steps.skipBecause('prm', 'resource metadata', tcp);
    steps.add(skipped('sign-in', 'sign-in', 'not asked'));
    const lines = renderText(reportOf('https://s.example/mcp', steps.list)).split('\n');
    expect(lines.slice(5, 9)).toEqual(['[skip] MCP endpoint', '       not run: "TCP" failed', '       also: resource metadata', '[skip] sign-in']);
  });

  it('a failure prints its cause with the code and the fix, and the verdict names the step', () => {
    const text = renderText(reportOf('https://s.example/mcp', [ok('dns', 'DNS', ['resolves to 10.0.0.1']), fail('pkce', 'PKCE with S256', new TetherError('TETHER_NO_PKCE', 'It does not advertise PKCE.'))]));
    expect(text).toBe(
      [
        'mcp-tether doctor https://s.example/mcp',
        '',
        '[ok  ] DNS',
        '       resolves to 10.0.0.1',
        '[FAIL] PKCE with S256',
        '       It does not advertise PKCE. [TETHER_NO_PKCE]',
        '       -> If it supports S256 without saying so (Amazon Cognito, Entra ID), pass --assume-pkce-s256.',
        '',
        'The chain breaks at "PKCE with S256" [TETHER_NO_PKCE].',
        '',
      ].join('\n'),
    );
  });

  it('JSON: server, works, and steps with name, title, outcome, details and error {code, message, fix}', () => {
    const report = reportOf('https://s.example/mcp', [fail('tcp', 'TCP', new TypeError('fetch failed', { cause: Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }) }))]);
    expect(JSON.parse(renderJson(report))).toEqual({
      server: 'https://s.example/mcp',
      works: false,
      steps: [{ name: 'tcp', title: 'TCP', outcome: 'fail', details: [], error: { code: 'TETHER_UNREACHABLE', message: expect.stringContaining('connection refused'), fix: 'Check the URL and that the server is running.' } }],
    });
  });

  it('dependants of a failure are skipped, saying which step failed', () => {
    const steps = new Steps();
    const failed = steps.add(fail('as', 'authorization server metadata', new TetherError('TETHER_METADATA_INVALID', 'wrong issuer')));
    expect(steps.skipBecause('pkce', 'PKCE', failed).details).toEqual(['not run: "authorization server metadata" failed']);
    expect(steps.failed?.name).toBe('as');
  });

  it('a known secret never appears, in the text or the JSON', () => {
    registerSecret('s3cr3t-client-secret');
    const report = reportOf('https://s.example/mcp', [warn('client', 'client', ['secret s3cr3t-client-secret'], new TetherError('TETHER_CLIENT_REJECTED', 'client s3cr3t-client-secret refused'))]);
    expect(renderText(report)).not.toContain('s3cr3t-client-secret');
    expect(renderJson(report)).not.toContain('s3cr3t-client-secret');
  });
});

describe('proxyFor: the proxy the proxy\'s fetch uses', () => {
  const url = new URL('https://gw.example.com/mcp');
  it('HTTPS_PROXY for https, HTTP_PROXY as its fallback, none without', () => {
    expect(proxyFor(url, { HTTPS_PROXY: 'http://proxy:3128' })).toBe('http://proxy:3128');
    expect(proxyFor(url, { HTTP_PROXY: 'http://proxy:8080' })).toBe('http://proxy:8080');
    expect(proxyFor(url, {})).toBeUndefined();
  });
  it('NO_PROXY exempts a host, its subdomains (with or without a leading dot), a port, or everything', () => {
    const env = { HTTPS_PROXY: 'http://proxy:3128' };
    expect(proxyFor(url, { ...env, NO_PROXY: 'example.com' })).toBeUndefined();
    expect(proxyFor(url, { ...env, NO_PROXY: '.example.com' })).toBeUndefined();
    expect(proxyFor(url, { ...env, NO_PROXY: 'other.com, gw.example.com:443' })).toBeUndefined();
    expect(proxyFor(url, { ...env, NO_PROXY: 'gw.example.com:8443' })).toBe('http://proxy:3128');
    expect(proxyFor(url, { ...env, NO_PROXY: '*' })).toBeUndefined();
    expect(proxyFor(url, { ...env, NO_PROXY: 'ample.com' })).toBe('http://proxy:3128');
  });
});
