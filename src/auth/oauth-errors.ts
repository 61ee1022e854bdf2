// Turns errors from the authorization server into AuthErrors that name the cause and the fix.
import { AuthorizationResponseError, ResponseBodyError, WWWAuthenticateChallengeError } from 'openid-client';
import { AuthError, TetherError } from '../errors.js';

export interface ErrorContext {
  redirectUri?: string;
  clientId?: string;
  scope?: string;
  issuer?: string;
}

export function hintFor(code: string, description: string, context: ErrorContext): string {
  switch (code) {
    case 'invalid_client':
    case 'unauthorized_client':
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

export function explainOAuthError(error: unknown, what: string, context: ErrorContext = {}): TetherError {
  if (error instanceof TetherError) return error;
  if (error instanceof ResponseBodyError || error instanceof AuthorizationResponseError) {
    const description = error.error_description ?? '';
    return new AuthError(`${what} failed: ${error.error}${description ? ` (${description})` : ''}.`, {
      hint: hintFor(error.error, description, context),
      cause: error,
    });
  }
  if (error instanceof WWWAuthenticateChallengeError) {
    // A 401 from the token endpoint with a challenge: the client failed to authenticate (RFC 6749 section 5.2).
    const code = error.cause[0]?.parameters.error ?? 'invalid_client';
    const description = error.cause[0]?.parameters.error_description ?? '';
    return new AuthError(`${what} failed: ${code}${description ? ` (${description})` : ''}.`, { hint: hintFor(code, description, context), cause: error });
  }
  const response = error instanceof Error && error.cause instanceof Response ? error.cause : undefined;
  if (response) {
    const unavailable = response.status >= 500;
    return new AuthError(`${what} failed: the authorization server answered HTTP ${response.status}${unavailable ? ' (it is unavailable)' : ''}.`, {
      hint: unavailable ? 'This is on the provider\'s side; your stored sign-in is kept. Try again shortly.' : 'Check the provider\'s configuration; run with --debug for details.',
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new AuthError(`${what} failed: ${message}.`, { hint: 'Run with --debug for details.', cause: error });
}

/** An error code from the authorization server, when the error carries one. */
export function oauthErrorCode(error: unknown): string | undefined {
  if (error instanceof ResponseBodyError || error instanceof AuthorizationResponseError) return error.error;
  if (error instanceof WWWAuthenticateChallengeError) return error.cause[0]?.parameters.error ?? 'invalid_client';
  if (error instanceof AuthError && (error.cause instanceof ResponseBodyError || error.cause instanceof AuthorizationResponseError)) return error.cause.error;
  return undefined;
}

/** 5xx answers, temporarily_unavailable and network failures: worth a retry, never a reason to drop credentials. */
export function isTransient(error: unknown): boolean {
  const cause = error instanceof AuthError && error.cause !== undefined ? error.cause : error;
  if (cause instanceof ResponseBodyError) return cause.status >= 500 || cause.error === 'temporarily_unavailable' || cause.error === 'server_error';
  if (cause instanceof AuthorizationResponseError || cause instanceof WWWAuthenticateChallengeError) return false;
  if (cause instanceof Error && cause.cause instanceof Response) return cause.cause.status >= 500;
  return !(cause instanceof TetherError);
}
