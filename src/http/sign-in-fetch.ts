// The fetch every sign-in request goes through (discovery, registration, tokens, revocation): a deadline, a size cap,
// no redirect for a request that carries credentials, and none of the addresses a hostile server could point it at.
import { lookup } from 'node:dns/promises';
import { TetherError } from '../errors.js';
import { addressAllowed, addressKind, isMetadataName, type AddressKind } from './address.js';
import { asHeaders, type Fetch } from './request-fetch.js';

export interface SignInFetchOptions {
  /** The MCP server: where it is decides whether private addresses may be asked. */
  serverUrl: URL;
  /** --allow-private-auth-server: a public server may name an authorization server on a private address. */
  allowPrivate: boolean;
  /** How long one request may take (default 30 s). */
  deadlineMs?: number;
  /** How much of an answer is read (default 1 MiB: real ones are a few KiB; a JWKS with many keys stays far below). */
  maxBytes?: number;
  /** How host names are resolved (the tests give their own). */
  resolve?: Resolve;
}

/** Every address a host name resolves to; [] when it does not resolve (the request then fails on its own). */
export type Resolve = (host: string) => Promise<string[]>;

const resolveHost: Resolve = async (host) => {
  try {
    return (await lookup(host, { all: true, verbatim: true })).map((entry) => entry.address);
  } catch {
    return [];
  }
};

/** The guards, outermost first: the size of the last answer, redirects hop by hop, each hop's address, its deadline. */
export function signInFetch(fetch: Fetch, options: SignInFetchOptions): Fetch {
  const guarded = withAddressGuard(withDeadline(fetch, options.deadlineMs ?? 30_000), options.serverUrl, options.allowPrivate, options.resolve ?? resolveHost);
  return withSizeLimit(withoutRedirects(guarded), options.maxBytes ?? 1024 * 1024);
}

/** Requests of the sign-in machinery (discovery, registration, tokens) must not wait forever. */
export function withDeadline(fetch: Fetch, ms: number): Fetch {
  return (input, init) => fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(ms) });
}

/** Statuses whose response has no body (a Response with one cannot be built). */
const NO_BODY = new Set([101, 204, 205, 304]);

/**
 * Requests of the sign-in machinery read at most `maxBytes` of an answer: metadata, registration, token and
 * revocation answers are small, and a server that sends more (a hostile one, or a web page) is refused with a coded
 * error naming the URL, before the process grows to hold it.
 */
export function withSizeLimit(fetch: Fetch, maxBytes: number): Fetch {
  return async (input, init) => {
    const response = await fetch(input, init);
    const url = input instanceof Request ? input.url : String(input);
    const tooLarge = (): TetherError =>
      new TetherError('TETHER_RESPONSE_TOO_LARGE', `${url} answered with more than ${Math.round(maxBytes / 1024)} KiB, more than any authorization answer needs.`);
    if (!response.body || NO_BODY.has(response.status)) return response;
    const declared = Number(response.headers.get('content-length'));
    if (Number.isFinite(declared) && declared > maxBytes) {
      await response.body.cancel().catch(() => undefined);
      throw tooLarge();
    }
    const reader = response.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel().catch(() => undefined);
        throw tooLarge();
      }
      chunks.push(value);
    }
    // The body was decoded already: its encoding and length headers no longer describe what is handed on.
    const headers = new Headers(response.headers);
    headers.delete('content-encoding');
    headers.delete('content-length');
    return new Response(Buffer.concat(chunks), { status: response.status, statusText: response.statusText, headers });
  };
}

/** How many redirects a metadata GET may follow (each hop through the address guard). */
const MAX_HOPS = 3;

/**
 * Redirects are followed by hand: a GET without credentials (a metadata document) up to MAX_HOPS times, each hop
 * through the same guards; a request that carries a secret, a code or a registration (a POST, or any request with an
 * Authorization header) is never sent on, whatever the status: token, registration and revocation requests go
 * only to the endpoint the metadata names.
 */
export function withoutRedirects(fetch: Fetch): Fetch {
  return async (input, init) => {
    if (input instanceof Request) return fetch(input, init);
    let url = String(input);
    const method = (init?.method ?? 'GET').toUpperCase();
    const carriesSecrets = (method !== 'GET' && method !== 'HEAD') || asHeaders(init?.headers).has('authorization');
    for (let hop = 0; ; hop += 1) {
      const response = await fetch(url, { ...init, redirect: 'manual' });
      const location = response.headers.get('location');
      if (response.status < 300 || response.status > 399 || location === null) return response;
      await response.body?.cancel().catch(() => undefined);
      const next = URL.canParse(location, url) ? new URL(location, url).href : location;
      if (carriesSecrets || hop >= MAX_HOPS) {
        throw new TetherError('TETHER_REDIRECT_REFUSED', `${url} answered ${method} with a redirect (${response.status}) to ${next}; ${carriesSecrets ? 'a request carrying credentials is not sent on' : `more than ${MAX_HOPS} redirects`}.`);
      }
      url = next;
    }
  };
}

/**
 * Refuses a request to a link-local address, a cloud metadata service or an unspecified address, always; and to a
 * loopback or private address when the MCP server itself is on a public one, unless the user allowed it. Host names
 * are resolved first (what the connection then uses may still differ: this bounds what a server's metadata can name).
 */
export function withAddressGuard(fetch: Fetch, serverUrl: URL, allowPrivate: boolean, resolve: Resolve): Fetch {
  let serverKind: Promise<AddressKind> | undefined;
  const kindsOf = async (host: string): Promise<AddressKind[]> => {
    const literal = addressKind(host);
    if (literal) return [literal];
    if (isMetadataName(host)) return ['metadata'];
    return (await resolve(host)).map((address) => addressKind(address) ?? 'public');
  };
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    serverKind ??= kindsOf(serverUrl.hostname).then((kinds) => kinds.find((kind) => kind !== 'public') ?? 'public');
    const server = await serverKind;
    const refused = (await kindsOf(url.hostname)).find((kind) => !addressAllowed(kind, server, allowPrivate));
    if (refused) {
      throw new TetherError('TETHER_ADDRESS_REFUSED', `Refusing to send a sign-in request to ${url.origin}: it is ${refused === 'metadata' ? 'a cloud metadata service' : `a ${refused} address`}${refused === 'private' || refused === 'loopback' ? ` and the MCP server ${serverUrl.host} is public` : ''}.`);
    }
    return fetch(input, init);
  };
}
