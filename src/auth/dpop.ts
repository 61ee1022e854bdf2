// DPoP (RFC 9449): the key a sign-in binds its tokens to, kept as a private JWK in the credential store only, and
// the proof each request to the MCP server carries (section 4.2, section 7.1), with the server's nonces (section 9).
import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import type { CryptoKeyPair } from 'openid-client';
import type { Fetch } from '../http/fetch.js';
import { registerSecret } from '../log.js';
import type { StoredDPoPKey } from '../store/secret-store.js';
import { parseChallenges } from './challenge.js';

/** The algorithms mcp-tether signs proofs with, in the order it prefers them. */
export const DPOP_ALGORITHMS = ['ES256', 'ES384', 'PS256', 'RS256'] as const;


/**
 * The algorithm to bind tokens with (RFC 9449 section 5.1): the first mcp-tether supports of those the
 * authorization server lists in dpop_signing_alg_values_supported, or undefined where it lists none (no DPoP).
 */
export function dpopAlgorithm(advertised: unknown): string | undefined {
  if (!Array.isArray(advertised)) return undefined;
  return DPOP_ALGORITHMS.find((alg) => advertised.includes(alg));
}

/** A key loaded for use: the private half cannot be exported again from this process. */
export interface DPoPKey {
  alg: string;
  /** For openid-client's token requests (getDPoPHandle wants the public half exportable). */
  pair: CryptoKeyPair;
  /** The JWK thumbprint (RFC 7638) the server binds tokens to, as in `cnf.jkt`. */
  thumbprint: string;
  /** A proof for one request (RFC 9449 section 4.2): never reused, the URI without query or fragment. */
  proof(method: string, url: URL, accessToken: string | undefined, nonce: string | undefined): Promise<string>;
}

/** A new key for a sign-in, and what to store of it. */
export async function newDPoPKey(alg: string): Promise<{ stored: StoredDPoPKey; key: DPoPKey }> {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const stored: StoredDPoPKey = { alg, jwk: { ...jwk, kty: jwk.kty ?? 'EC' } };
  return { stored, key: await loadDPoPKey(stored) };
}

const PRIVATE_MEMBERS = new Set(['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k', 'key_ops', 'ext']);

/** The stored key, imported with its private half non-extractable. */
export async function loadDPoPKey(stored: StoredDPoPKey): Promise<DPoPKey> {
  registerSecret(typeof stored.jwk.d === 'string' ? stored.jwk.d : undefined);
  const publicJwk: JWK = Object.fromEntries(Object.entries(stored.jwk).filter(([name]) => !PRIVATE_MEMBERS.has(name)));
  const privateKey = await importJWK(stored.jwk as JWK, stored.alg, { extractable: false });
  const publicKey = await importJWK(publicJwk, stored.alg, { extractable: true });
  if (privateKey instanceof Uint8Array || publicKey instanceof Uint8Array) throw new TypeError('a DPoP key must be asymmetric');
  const thumbprint = await calculateJwkThumbprint(publicJwk, 'sha256');
  return {
    alg: stored.alg,
    pair: { privateKey, publicKey },
    thumbprint,
    proof: (method, url, accessToken, nonce) =>
      new SignJWT({
        jti: randomUUID(),
        htm: method.toUpperCase(),
        htu: `${url.origin}${url.pathname}`,
        ...(accessToken ? { ath: createHash('sha256').update(accessToken, 'ascii').digest('base64url') } : {}),
        ...(nonce ? { nonce } : {}),
      })
        .setProtectedHeader({ alg: stored.alg, typ: 'dpop+jwt', jwk: publicJwk })
        .setIssuedAt()
        .sign(privateKey),
  };
}

/** A 401 that asks for the server's nonce (RFC 9449 section 9): WWW-Authenticate DPoP error="use_dpop_nonce". */
function asksForNonce(response: Response): boolean {
  return (
    response.status === 401 &&
    response.headers.has('dpop-nonce') &&
    parseChallenges(response.headers.get('www-authenticate')).some((c) => c.scheme === 'dpop' && c.params['error'] === 'use_dpop_nonce')
  );
}

/**
 * Sends one request to the MCP server with a DPoP-bound token: `Authorization: DPoP`, a fresh proof, the last nonce
 * the server gave (kept per origin in `nonces`), and once more with the new nonce when the server asks for one.
 */
export async function fetchWithProof(
  fetch: Fetch,
  key: DPoPKey,
  nonces: Map<string, string>,
  accessToken: string,
  input: string | URL | Request,
  init: RequestInit | undefined,
): Promise<Response> {
  const url = new URL(input instanceof Request ? input.url : input);
  const method = init?.method ?? (input instanceof Request ? input.method : 'GET');
  for (let attempt = 0; ; attempt++) {
    const headers = new Headers(init?.headers);
    headers.set('authorization', `DPoP ${accessToken}`);
    headers.set('dpop', await key.proof(method, url, accessToken, nonces.get(url.origin)));
    const response = await fetch(input, { ...init, headers });
    const nonce = response.headers.get('dpop-nonce');
    if (nonce) nonces.set(url.origin, nonce);
    if (attempt > 0 || !asksForNonce(response)) return response;
    await response.body?.cancel().catch(() => undefined);
  }
}
