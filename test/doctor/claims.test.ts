// The claims doctor reads from a token and what it advises (pure: tokens made here, a fixed clock).
import { describe, expect, it } from 'vitest';
import { checkClaims, type Expected } from '../../src/cli/doctor/claims.js';

const NOW = Date.parse('2026-12-02T12:00:00Z');
const SERVER = 'https://gateway.example/mcp';

/** An unsigned JWT with these claims (doctor never verifies: it reads what a gateway would check). */
function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part(claims)}.c2lnbmF0dXJl`;
}

const expected: Expected = { serverUrl: SERVER, resource: SERVER, scope: 'openid mcp:tools', issuer: 'https://as.example', clientId: 'app', useIdToken: false };
const exp = NOW / 1000 + 3600;

describe('checkClaims', () => {
  it('a token for the server with the scopes asked for: the claims as facts, no problem', () => {
    const check = checkClaims(jwt({ aud: SERVER, client_id: 'app', scope: 'mcp:tools', exp, iss: 'https://as.example' }), expected, NOW);
    expect(check.problems).toEqual([]);
    expect(check.facts).toEqual([`aud: ${SERVER}`, 'client_id/azp: app', 'scope: mcp:tools', 'exp: 2026-12-02T13:00:00.000Z', 'iss: https://as.example']);
  });

  it('an access token without aud from Amazon Cognito: --use-id-token or allowedClients', () => {
    const check = checkClaims(jwt({ token_use: 'access', client_id: 'app', scope: 'mcp:tools', exp, iss: 'https://as.example' }), expected, NOW);
    expect(check.problems[0]?.code).toBe('TETHER_CREDENTIALS_REFUSED');
    expect(check.problems[0]?.hint).toBe('The access token has no aud (Amazon Cognito): use --use-id-token, or configure allowedClients on the gateway (AgentCore) with this client id.');
  });

  it('an access token without aud from another provider: ask for a token for the audience (Auth0 named)', () => {
    const [problem] = checkClaims(jwt({ azp: 'app', exp, iss: 'https://as.example' }), expected, NOW).problems;
    expect(problem?.message).toContain(`wants ${SERVER}`);
    expect(problem?.hint).toContain(`--authorize-param audience=${SERVER}`);
    expect(problem?.hint).not.toContain('Cognito');
  });

  it('an access token for another audience is named, Entra ID\'s Application ID URI with its own advice', () => {
    const [other] = checkClaims(jwt({ aud: 'https://api.example', exp, iss: 'https://as.example' }), expected, NOW).problems;
    expect(other?.message).toBe(`The access token is for https://api.example, not for ${SERVER}.`);
    const [entra] = checkClaims(jwt({ aud: 'api://1234', exp, iss: 'https://as.example' }), expected, NOW).problems;
    expect(entra?.hint).toContain('Application ID URI');
  });

  it('a trailing slash does not make another audience', () => {
    expect(checkClaims(jwt({ aud: [`${SERVER}/`], exp, iss: 'https://as.example' }), expected, NOW).problems).toEqual([]);
  });

  it('expired, missing a requested scope, another issuer: each named', () => {
    const problems = checkClaims(jwt({ aud: SERVER, scp: ['profile'], exp: NOW / 1000 - 10, iss: 'https://sts.windows.net/tenant/' }), expected, NOW).problems;
    expect(problems.map((problem) => problem.code)).toEqual(['TETHER_CREDENTIALS_REFUSED', 'TETHER_SCOPE_REJECTED', 'TETHER_CREDENTIALS_REFUSED']);
    expect(problems[0]?.message).toContain('expired');
    expect(problems[1]?.message).toContain('mcp:tools');
    expect(problems[2]?.hint).toContain('accessTokenAcceptedVersion');
  });

  it('--use-id-token: the ID token is checked for the client, not the resource', () => {
    const id = { ...expected, useIdToken: true };
    const good = checkClaims(jwt({ aud: 'app', exp, iss: 'https://as.example' }), id, NOW);
    expect(good.token).toBe('ID token');
    expect(good.problems).toEqual([]);
    expect(checkClaims(jwt({ aud: 'other-app', exp }), id, NOW).problems[0]?.message).toContain('is not the client app');
  });

  it('an opaque token is said to be opaque, never shown', () => {
    const check = checkClaims('opaque-token-value-123', expected, NOW);
    expect(check.readable).toBe(false);
    expect(check.facts.join(' ')).toContain('opaque');
    expect(check.facts.join(' ')).not.toContain('opaque-token-value-123');
  });
});
