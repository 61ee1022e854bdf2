// Turns errors from the authorization server (RFC 6749 sections 4.1.2.1 and 5.2) into coded TetherErrors that name
// the cause and the fix.
import { AuthorizationResponseError, ResponseBodyError, WWWAuthenticateChallengeError } from 'openid-client';
import { asTetherError, TetherError, type ErrorCode } from '../errors.js';
import { networkFailure } from '../network-error.js';

export interface ErrorContext {
  redirectUri?: string;
  clientId?: string;
  /** Where the client came from: the hint for a refused client differs for one mcp-tether registered itself. */
  clientSource?: string;
  /** The client authenticates with --client-private-key (private_key_jwt). */
  clientKey?: boolean;
  /** The client authenticates with its platform's JWT (--client-assertion). */
  clientAssertion?: boolean;
  scope?: string;
  issuer?: string;
}

export function hintFor(code: string, description: string, context: ErrorContext): string {
  switch (code) {
    case 'invalid_client':
    case 'unauthorized_client':
      if (context.clientSource === 'dynamic') {
        return `The provider does not accept the client ${context.clientId ?? ''} that mcp-tether registered with it: run \`mcp-tether logout <url>\` to register afresh at the next sign-in; if it is refused again, register a client at the provider and pass it with --static-oauth-client-info.`;
      }
      if (context.clientAssertion) {
        return `The provider does not accept the client ${context.clientId ?? ''} with the platform's JWT (--client-assertion): check the client's federated credential at the provider (the JWT's issuer, subject and audience must be the ones it names; Entra ID expects the audience api://AzureADTokenExchange) and that the file holds a current token.`;
      }
      if (context.clientKey) {
        return `The provider does not accept the client ${context.clientId ?? ''} with the key given: check that the provider holds the public half of --client-private-key for this client (its algorithm allowed; --client-key-id if it keeps several keys).`;
      }
      return `The provider does not accept the client ${context.clientId ?? ''}: check client_id, client_secret and the token endpoint auth method in --static-oauth-client-info.`;
    case 'invalid_scope':
      return `The provider rejected the scope "${context.scope ?? ''}". Pass --scope with scopes this client is allowed to request.`;
    case 'invalid_target':
      return 'The provider rejected the resource indicator (RFC 8707). Pass --disable-resource-parameter (needed for Entra ID v2 endpoints) or --resource with the value it expects.';
    case 'invalid_grant':
      return 'The grant is no longer valid (revoked, expired or already used); mcp-tether will ask you to sign in again.';
    case 'temporarily_unavailable':
    case 'server_error':
      return 'The authorization server has a temporary problem; try again shortly.';
    default:
      if (/redirect/i.test(description) || /redirect/i.test(code)) {
        return `Register this exact redirect URI for the client at the provider: ${context.redirectUri ?? '(unknown)'}`;
      }
      return 'Check the client registration and the options for this provider (see the README).';
  }
}

const DENIED = new Set(['access_denied', 'login_required', 'consent_required', 'interaction_required', 'account_selection_required']);

/** The TETHER_ code of an OAuth error code. */
export function codeFor(oauthError: string, description: string): ErrorCode {
  switch (oauthError) {
    case 'invalid_client':
    case 'unauthorized_client':
      return 'TETHER_CLIENT_REJECTED';
    case 'invalid_scope':
      return 'TETHER_SCOPE_REJECTED';
    case 'invalid_target':
      return 'TETHER_RESOURCE_REJECTED';
    case 'invalid_grant':
      return 'TETHER_GRANT_REVOKED';
    case 'temporarily_unavailable':
    case 'server_error':
      return 'TETHER_AUTH_SERVER_UNAVAILABLE';
    default:
      if (DENIED.has(oauthError)) return 'TETHER_SIGN_IN_DENIED';
      return /redirect/i.test(description) || /redirect/i.test(oauthError) ? 'TETHER_REDIRECT_URI_MISMATCH' : 'TETHER_OAUTH_ERROR';
  }
}

/** An OAuth error answer as a coded error with the fix for this client. */
export function oauthFailure(message: string, oauthError: string, description: string, context: ErrorContext, cause?: unknown): TetherError {
  return new TetherError(codeFor(oauthError, description), message, {
    hint: DENIED.has(oauthError) ? 'Sign in again and approve the request.' : hintFor(oauthError, description, context),
    ...(cause === undefined ? {} : { cause }),
  });
}

export function explainOAuthError(error: unknown, what: string, context: ErrorContext = {}): TetherError {
  // one of ours, from the sign-in fetch (a refused redirect or address, an answer too large), openid-client wraps
  let inner: unknown = error;
  for (let depth = 0; depth < 4 && inner instanceof Error; depth += 1, inner = inner.cause) if (inner instanceof TetherError) return inner;
  if (error instanceof ResponseBodyError || error instanceof AuthorizationResponseError) {
    const description = error.error_description ?? '';
    return oauthFailure(`${what} failed: ${error.error}${description ? ` (${description})` : ''}.`, error.error, description, context, error);
  }
  if (error instanceof WWWAuthenticateChallengeError) {
    // A 401 from the token endpoint with a challenge: the client failed to authenticate (RFC 6749 section 5.2).
    const code = error.cause[0]?.parameters.error ?? 'invalid_client';
    const description = error.cause[0]?.parameters.error_description ?? '';
    return oauthFailure(`${what} failed: ${code}${description ? ` (${description})` : ''}.`, code, description, context, error);
  }
  const response = error instanceof Error && error.cause instanceof Response ? error.cause : undefined;
  const page = /html/i.test(response?.headers.get('content-type') ?? ''); // a proxy's or firewall's page, not the server's word
  if (response && (response.status === 401 || response.status === 403) && !page && context.clientId !== undefined) {
    // RFC 6749 section 5.2 wants invalid_client in a JSON body; Glewlwyd answers a client it does not accept with a bare 403.
    return oauthFailure(`${what} failed: the authorization server answered HTTP ${response.status} with no OAuth error, which usually means it did not accept the client ${context.clientId}.`, 'invalid_client', '', context, error);
  }
  if (response) {
    const unavailable = response.status >= 500;
    return new TetherError(unavailable ? 'TETHER_AUTH_SERVER_UNAVAILABLE' : 'TETHER_OAUTH_ERROR', `${what} failed: the authorization server answered HTTP ${response.status}${unavailable ? ' (it is unavailable)' : ''}.`, {
      hint: unavailable ? 'This is on the provider\'s side; your stored sign-in is kept. Try again shortly.' : 'Check the provider\'s configuration; run with --debug for details.',
      cause: error,
    });
  }
  if (networkFailure(error)) {
    const coded = asTetherError(error);
    return new TetherError(coded.code, `${what} failed: ${coded.message}`, { hint: coded.hint, cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new TetherError('TETHER_OAUTH_ERROR', `${what} failed: ${message}.`, { hint: 'Run with --debug for details.', cause: error });
}

/** An error code from the authorization server, when the error carries one. */
export function oauthErrorCode(error: unknown): string | undefined {
  if (error instanceof ResponseBodyError || error instanceof AuthorizationResponseError) return error.error;
  if (error instanceof WWWAuthenticateChallengeError) return error.cause[0]?.parameters.error ?? 'invalid_client';
  if (error instanceof TetherError && (error.cause instanceof ResponseBodyError || error.cause instanceof AuthorizationResponseError)) return error.cause.error;
  return undefined;
}

/** 5xx answers, temporarily_unavailable and network failures: worth a retry, never a reason to drop credentials. */
export function isTransient(error: unknown): boolean {
  // a refusal of the sign-in fetch's own (redirect, address, size) inside openid-client's wrapper: asking again changes nothing
  if (!(error instanceof TetherError) && error instanceof Error && error.cause instanceof TetherError) return false;
  const cause = error instanceof TetherError && error.cause !== undefined ? error.cause : error;
  if (cause instanceof ResponseBodyError) return cause.status >= 500 || cause.error === 'temporarily_unavailable' || cause.error === 'server_error';
  if (cause instanceof AuthorizationResponseError || cause instanceof WWWAuthenticateChallengeError) return false;
  if (cause instanceof Error && cause.cause instanceof Response) return cause.cause.status >= 500;
  return !(cause instanceof TetherError);
}
