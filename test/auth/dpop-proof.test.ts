// Unit tests for DPoP's pure parts (RFC 9449): which algorithm is chosen, what a proof says, that the private key
// cannot leave the process, the DPoP challenge, and the one retry a server's nonce earns.
import { createHash } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, importJWK, jwtVerify, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { bearerChallenge } from '../../src/auth/challenge.js';
import { dpopAlgorithm, fetchWithProof, loadDPoPKey, newDPoPKey } from '../../src/auth/dpop.js';
import { isDPoPBound } from '../../src/auth/tokens.js';

describe('dpopAlgorithm', () => {
  it('takes the first algorithm mcp-tether prefers among those offered, and none where none is offered', () => {
    expect(dpopAlgorithm(['RS256', 'ES256', 'EdDSA'])).toBe('ES256');
    expect(dpopAlgorithm(['PS256', 'RS256'])).toBe('PS256');
    expect(dpopAlgorithm(['EdDSA', 'Ed25519'])).toBeUndefined();
    expect(dpopAlgorithm([])).toBeUndefined();
    expect(dpopAlgorithm(undefined)).toBeUndefined();
    expect(dpopAlgorithm('ES256')).toBeUndefined();
  });
});

describe('a DPoP proof', () => {
  it('carries the request\'s method and URI without query or fragment, the token\'s hash and the nonce, and verifies with its own public key', async () => {
    const { key, stored } = await newDPoPKey('ES256');
    const token = 'access-token-value';
    const proof = await key.proof('post', new URL('https://mcp.example.com/mcp?session=1#frag'), token, 'server-nonce');
    const header = decodeProtectedHeader(proof);
    expect(header.typ).toBe('dpop+jwt');
    expect(header.alg).toBe('ES256');
    expect((header.jwk as JWK).d).toBeUndefined();
    expect((header.jwk as JWK).x).toBe(stored.jwk['x']);
    const { payload } = await jwtVerify(proof, await importJWK(header.jwk as JWK, 'ES256'), { typ: 'dpop+jwt' });
    expect(payload).toMatchObject({ htm: 'POST', htu: 'https://mcp.example.com/mcp', nonce: 'server-nonce', ath: createHash('sha256').update(token).digest('base64url') });
    expect(Math.abs((payload.iat ?? 0) - Date.now() / 1000)).toBeLessThan(5);
    // A proof is never reused: each has its own jti.
    const again = decodeJwt(await key.proof('POST', new URL('https://mcp.example.com/mcp'), token, undefined));
    expect(again.jti).not.toBe(payload.jti);
    expect(again.nonce).toBeUndefined();
  });

  it('is signed by a private key this process cannot export, loaded from what the keychain keeps', async () => {
    const { stored } = await newDPoPKey('PS256');
    const loaded = await loadDPoPKey(stored);
    expect(loaded.pair.privateKey.extractable).toBe(false);
    await expect(crypto.subtle.exportKey('jwk', loaded.pair.privateKey)).rejects.toThrow();
    const proof = await loaded.proof('GET', new URL('https://mcp.example.com/mcp'), undefined, undefined);
    expect(decodeJwt(proof).ath).toBeUndefined();
    expect(decodeProtectedHeader(proof).alg).toBe('PS256');
  });
});

describe('the DPoP challenge and token type', () => {
  it('reads a DPoP challenge as it reads a Bearer one, and says the server takes DPoP', () => {
    const only = bearerChallenge({ headers: new Headers({ 'www-authenticate': 'DPoP algs="ES256", resource_metadata="https://mcp.example.com/.well-known/oauth-protected-resource"' }) });
    expect(only).toEqual({ resourceMetadata: 'https://mcp.example.com/.well-known/oauth-protected-resource', dpop: true, dpopOnly: true });
    const both = bearerChallenge({ headers: new Headers({ 'www-authenticate': 'Bearer scope="a b", DPoP algs="ES256"' }) });
    expect(both).toEqual({ scope: 'a b', dpop: true });
    expect(bearerChallenge({ headers: new Headers({ 'www-authenticate': 'Bearer error="invalid_token"' }) })).toEqual({ error: 'invalid_token' });
  });

  it('presents DPoP tokens with the DPoP scheme, whatever the case, and nothing else', () => {
    expect(isDPoPBound('DPoP')).toBe(true);
    expect(isDPoPBound('dpop')).toBe(true);
    expect(isDPoPBound('Bearer')).toBe(false);
    expect(isDPoPBound(undefined)).toBe(false);
  });
});

describe('fetchWithProof', () => {
  const nonceChallenge = (nonce: string): Response =>
    new Response('{}', { status: 401, headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce"', 'dpop-nonce': nonce } });

  it('sends the DPoP scheme with a proof, and once more with the nonce the server asks for; the nonce is kept for the next request', async () => {
    const { key } = await newDPoPKey('ES256');
    const seen: Array<{ authorization: string | null; nonce: unknown; body: unknown }> = [];
    const answers = [nonceChallenge('n1'), new Response('ok'), new Response('ok')];
    const fetch = async (_input: string | URL | Request, init?: RequestInit): Promise<Response> => {
      const headers = new Headers(init?.headers);
      seen.push({ authorization: headers.get('authorization'), nonce: decodeJwt(headers.get('dpop') ?? '').nonce, body: init?.body });
      return answers.shift() ?? new Response('unexpected', { status: 500 });
    };
    const nonces = new Map<string, string>();
    const init = { method: 'POST', headers: { authorization: 'Bearer tok', 'content-type': 'application/json' }, body: '{"jsonrpc":"2.0"}' };
    expect((await fetchWithProof(fetch, key, nonces, 'tok', 'https://mcp.example.com/mcp', init)).status).toBe(200);
    expect(seen).toEqual([
      { authorization: 'DPoP tok', nonce: undefined, body: '{"jsonrpc":"2.0"}' },
      { authorization: 'DPoP tok', nonce: 'n1', body: '{"jsonrpc":"2.0"}' },
    ]);
    await fetchWithProof(fetch, key, nonces, 'tok', 'https://mcp.example.com/mcp', init);
    expect(seen[2]?.nonce).toBe('n1');
  });

  it('asks again only once: a server that keeps asking for a new nonce gets its 401 back', async () => {
    const { key } = await newDPoPKey('ES256');
    let calls = 0;
    const fetch = async (): Promise<Response> => {
      calls += 1;
      return nonceChallenge(`n${calls}`);
    };
    const response = await fetchWithProof(fetch, key, new Map(), 'tok', 'https://mcp.example.com/mcp', { method: 'POST', body: '{}' });
    expect(response.status).toBe(401);
    expect(calls).toBe(2);
  });
});
