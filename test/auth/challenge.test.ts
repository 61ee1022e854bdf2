// WWW-Authenticate parsing (RFC 9110 section 11.6.1) as servers in the field send it.
import { describe, expect, it } from 'vitest';
import { bearerChallenge, parseChallenges } from '../../src/auth/challenge.js';

const response = (header: string) => ({ headers: new Headers({ 'www-authenticate': header }) });

describe('parseChallenges', () => {
  it('reads resource_metadata and scope from a Bearer challenge with quoted values', () => {
    expect(bearerChallenge(response('Bearer resource_metadata="https://gw.example/.well-known/oauth-protected-resource", scope="read write"'))).toEqual({
      resourceMetadata: 'https://gw.example/.well-known/oauth-protected-resource',
      scope: 'read write',
    });
  });

  it('separates several challenges and finds Bearer among them', () => {
    const challenges = parseChallenges('Basic realm="x, y", Bearer error="invalid_token", error_description="expired, \\"old\\"", DPoP algs="ES256"');
    expect(challenges.map((c) => c.scheme)).toEqual(['basic', 'bearer', 'dpop']);
    expect(challenges[0]?.params.realm).toBe('x, y');
    expect(challenges[1]?.params).toEqual({ error: 'invalid_token', error_description: 'expired, "old"' });
  });

  it('treats scheme and parameter names case-insensitively and keeps token68', () => {
    const [first, second] = parseChallenges('NEGOTIATE abc+/def==, BEARER Scope=mcp:tools');
    expect(first).toEqual({ scheme: 'negotiate', params: {}, token68: 'abc+/def==' });
    expect(second?.params.scope).toBe('mcp:tools');
  });

  it('returns nothing for a missing header and survives malformed input', () => {
    expect(parseChallenges(null)).toEqual([]);
    expect(() => parseChallenges('Bearer ="=,,"unterminated')).not.toThrow();
    expect(bearerChallenge({ headers: new Headers() })).toEqual({});
  });

  it('DPoP alone means only bound tokens are taken; DPoP beside Bearer leaves Bearer acceptable', () => {
    expect(bearerChallenge(response('DPoP algs="ES256", resource_metadata="https://gw.example/prm"'))).toEqual({ resourceMetadata: 'https://gw.example/prm', dpop: true, dpopOnly: true });
    expect(bearerChallenge(response('Bearer resource_metadata="https://gw.example/prm", DPoP algs="ES256"'))).toEqual({ resourceMetadata: 'https://gw.example/prm', dpop: true });
  });
});
