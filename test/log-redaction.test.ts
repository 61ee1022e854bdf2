// What the logger scrubs before anything reaches stderr (pure): registered secrets, bearer credentials, token and
// secret fields, and authorization codes in URLs.
import { describe, expect, it } from 'vitest';
import { Logger, redact, registerSecret } from '../src/log.js';

describe('redact', () => {
  it('replaces every registered secret wherever it appears, and ignores values too short to be secrets', () => {
    registerSecret('s3cr3t-value-123');
    registerSecret('abc');
    expect(redact('token s3cr3t-value-123 and again s3cr3t-value-123; abc stays')).toBe('token [redacted] and again [redacted]; abc stays');
  });

  it('scrubs bearer credentials, token and secret fields, and codes in URLs', () => {
    expect(redact('Authorization: Bearer eyJhbGciOiJSUzI1NiJ9.x.y')).toBe('Authorization: Bearer [redacted]');
    expect(redact('{"access_token":"tok","refresh_token": "ref","client_secret":"cs"}')).toBe('{"access_token":"[redacted]","refresh_token": "[redacted]","client_secret":"[redacted]"}');
    expect(redact('code_verifier=abc&x=1')).toBe('code_verifier=[redacted]&x=1');
    expect(redact('http://localhost:3334/oauth/callback?code=SplxlOBe&state=xyz')).toBe('http://localhost:3334/oauth/callback?code=[redacted]&state=xyz');
  });

  it('leaves ordinary text alone', () => {
    expect(redact('Signed in to https://gw.example/mcp (authorization server https://as.example).')).toBe('Signed in to https://gw.example/mcp (authorization server https://as.example).');
  });
});

describe('Logger', () => {
  it('prefixes lines, scrubs them, and honours the level', () => {
    const lines: string[] = [];
    const log = new Logger('info', (line) => lines.push(line));
    log.info('Bearer abc.def');
    log.debug('hidden');
    log.setLevel('silent');
    log.info('quiet');
    log.always('fatal');
    log.setLevel('debug');
    log.debug(() => 'shown');
    expect(lines).toEqual(['[mcp-tether] Bearer [redacted]\n', '[mcp-tether] fatal\n', '[mcp-tether] shown\n']);
  });
});
