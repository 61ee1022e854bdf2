// How a request to the MCP server carries its credential: Bearer, or a DPoP proof (RFC 9449 section 7.1); a 403
// insufficient_scope met with a step-up sign-in and the same request again; each 401 matched with its token.
import type { Fetch } from '../http/fetch.js';
import type { Logger } from '../log.js';
import type { StoredDPoPKey } from '../store/secret-store.js';
import { bearerChallenge, type BearerChallenge } from './challenge.js';
import type { DPoPKey } from './dpop.js';
import type { HeldSignIn } from './held-sign-in.js';
import { isDPoPBound } from './tokens.js';

/** Step-up sign-ins per request before the 403 is passed on (MCP: stop after a few attempts). */
export const MAX_STEP_UPS = 2;

export interface CredentialFetchOptions {
  held: Pick<HeldSignIn, 'secrets' | 'bearer'>;
  useIdToken: boolean;
  log: Logger;
  /** Signs in again with the wider scopes the challenge names. */
  stepUp: (challenge: BearerChallenge) => Promise<void>;
  /** Told of every 401, with the bearer token the request carried. */
  onUnauthorized: (response: Response, sentWith: string | undefined) => void;
}

/** The bearer token a request carries (the SDK writes `Authorization: Bearer ...`). */
export function bearerIn(headers: RequestInit['headers']): string | undefined {
  const value = new Headers(headers).get('authorization');
  return value?.replace(/^Bearer\s+/i, '');
}

export function credentialFetch(fetch: Fetch, options: CredentialFetchOptions): Fetch {
  const { held, useIdToken, log } = options;
  /** The stored DPoP key, imported once (non-extractable), and the MCP server's nonces. */
  let dpop: { stored: StoredDPoPKey; key: Promise<DPoPKey> } | undefined;
  const nonces = new Map<string, string>();

  /** One request with the credential as its type wants it. The ID token is never bound. */
  const send = async (input: Parameters<Fetch>[0], init: RequestInit | undefined): Promise<Response> => {
    const secrets = held.secrets;
    const stored = secrets?.dpop_key;
    const bearer = bearerIn(init?.headers);
    if (!stored || !bearer || useIdToken || !isDPoPBound(secrets?.tokens?.token_type)) return fetch(input, init);
    if (dpop?.stored !== stored) dpop = { stored, key: import('./dpop.js').then((module) => module.loadDPoPKey(stored)) };
    const [{ fetchWithProof }, key] = await Promise.all([import('./dpop.js'), dpop.key]);
    return fetchWithProof(fetch, key, nonces, bearer, input, init);
  };

  return async (input, init) => {
    let request = init;
    let response = await send(input, request);
    for (let attempt = 0; attempt < MAX_STEP_UPS && response.status === 403; attempt++) {
      const challenge = bearerChallenge(response);
      if (challenge.error !== 'insufficient_scope' || bearerIn(request?.headers) === undefined) break;
      await response.body?.cancel().catch(() => undefined);
      log.info(`The server needs more permissions${challenge.scope ? ` (${challenge.scope})` : ''}; signing in again to grant them.`);
      await options.stepUp(challenge);
      const headers = new Headers(request?.headers);
      const bearer = held.bearer;
      if (bearer) headers.set('authorization', `Bearer ${bearer}`);
      request = { ...request, headers };
      response = await send(input, request);
    }
    if (response.status === 401) options.onUnauthorized(response, bearerIn(request?.headers));
    return response;
  };
}
