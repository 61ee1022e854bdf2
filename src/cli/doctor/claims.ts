// The claims a gateway checks in the token mcp-tether sends (aud, client_id/azp, scope/scp, exp, iss), read from the
// JWT (never the token itself) and set against what the server asked for, with the provider's own fix. Pure.
import { TetherError } from '../../errors.js';
import { jwtClaims } from '../../auth/tokens.js';

export interface Expected {
  /** The resource indicator the sign-in asked for (the PRM's `resource`, or --resource); undefined when none was sent. */
  resource?: string;
  /** The server's URL (a gateway may take its own URL as audience even when no resource indicator was sent). */
  serverUrl: string;
  /** The scopes the sign-in asked for. */
  scope?: string;
  issuer?: string;
  clientId?: string;
  /** --use-id-token: the ID token is the credential the server gets. */
  useIdToken: boolean;
}

export interface ClaimCheck {
  /** Which token was read: "access token" or "ID token". */
  token: string;
  /** false: not a JWT, nothing can be read here. */
  readable: boolean;
  /** The claims as facts, one a line: `aud: ...`. */
  facts: string[];
  /** What a gateway would likely refuse, coded with its fix; the first is the most likely cause. */
  problems: TetherError[];
}

/** A string or a list of strings as a list (aud, scp). */
function listOf(value: unknown): string[] {
  if (typeof value === 'string') return value.split(' ').filter(Boolean);
  return Array.isArray(value) ? value.filter((item): item is string => typeof item === 'string') : [];
}

function isJwt(token: string): boolean {
  return token.split('.').length === 3 && Object.keys(jwtClaims(token)).length > 0;
}

/** "https://gw.example/mcp" and "https://gw.example/mcp/" name the same audience. */
function sameAudience(a: string, b: string): boolean {
  return a.replace(/\/+$/, '') === b.replace(/\/+$/, '');
}

/** The claims of the bearer token the server gets, set against `expected`, at `now` (epoch ms). */
export function checkClaims(bearer: string, expected: Expected, now: number): ClaimCheck {
  const token = expected.useIdToken ? 'ID token' : 'access token';
  if (!isJwt(bearer)) return { token, readable: false, facts: [`the ${token} is opaque (not a JWT): only the server can read it`], problems: [] };
  const claims = jwtClaims(bearer);
  const aud = listOf(claims.aud);
  const scopes = listOf(claims.scope ?? claims.scp);
  const client = typeof claims.client_id === 'string' ? claims.client_id : typeof claims.azp === 'string' ? claims.azp : typeof claims.appid === 'string' ? claims.appid : undefined;
  const exp = typeof claims.exp === 'number' ? claims.exp * 1000 : undefined;
  const iss = typeof claims.iss === 'string' ? claims.iss : undefined;
  const facts = [
    `aud: ${aud.length ? aud.join(', ') : '(none)'}`,
    `client_id/azp: ${client ?? '(none)'}`,
    `scope: ${scopes.length ? scopes.join(' ') : '(none)'}`,
    `exp: ${exp === undefined ? '(none)' : `${new Date(exp).toISOString()}${exp <= now ? ' (expired)' : ''}`}`,
    `iss: ${iss ?? '(none)'}`,
  ];
  const problems: TetherError[] = [];
  const cognito = claims.token_use === 'access' || claims.token_use === 'id' || iss?.includes('cognito-idp') === true;
  if (expected.useIdToken) {
    if (expected.clientId && !aud.includes(expected.clientId)) {
      problems.push(new TetherError('TETHER_CREDENTIALS_REFUSED', `The ID token's aud (${aud.join(', ') || 'none'}) is not the client ${expected.clientId}.`, { hint: 'Check --static-oauth-client-info: the gateway must accept ID tokens issued to this client.' }));
    }
  } else if (aud.length === 0) {
    problems.push(
      new TetherError('TETHER_CREDENTIALS_REFUSED', `The access token has no aud, and a gateway that checks the audience wants ${expected.resource ?? expected.serverUrl}.`, {
        hint: cognito
          ? 'The access token has no aud (Amazon Cognito): use --use-id-token, or configure allowedClients on the gateway (AgentCore) with this client id.'
          : `Ask the provider for a token for this audience (Auth0: --authorize-param audience=${expected.resource ?? expected.serverUrl}; others: a resource server / API registered with that identifier), or configure the gateway to accept this client id.`,
      }),
    );
  } else {
    const wanted = [expected.resource, expected.serverUrl].filter((value): value is string => value !== undefined);
    if (!aud.some((value) => wanted.some((target) => sameAudience(value, target)))) {
      problems.push(
        new TetherError('TETHER_CREDENTIALS_REFUSED', `The access token is for ${aud.join(', ')}, not for ${wanted[0] ?? expected.serverUrl}.`, {
          hint:
            /^api:\/\/|^[0-9a-f-]{36}$/i.test(aud[0] ?? '')
              ? 'Microsoft Entra ID issues tokens for the Application ID URI: the gateway must accept that audience, or pass --resource / --scope with the audience it expects.'
              : `If the server expects ${aud[0] ?? 'that audience'}, it is configured so; otherwise pass --resource with the audience the server checks (or --authorize-param audience=... for Auth0).`,
        }),
      );
    }
  }
  if (exp !== undefined && exp <= now) {
    problems.push(new TetherError('TETHER_CREDENTIALS_REFUSED', `The ${token} expired at ${new Date(exp).toISOString()}.`, { hint: 'It is refreshed when an IDE next uses it; if it cannot be, sign in again (mcp-tether login <url>).' }));
  }
  const requested = (expected.scope ?? '').split(' ').filter((scope) => scope && scope !== 'openid' && scope !== 'offline_access');
  const missing = !expected.useIdToken && scopes.length > 0 ? requested.filter((scope) => !scopes.includes(scope)) : [];
  if (missing.length > 0) {
    problems.push(new TetherError('TETHER_SCOPE_REJECTED', `The access token lacks the scope(s) ${missing.join(' ')} that were requested.`, { hint: 'The provider granted fewer scopes than asked: allow them for this client at the provider, or pass --scope with what it grants.' }));
  }
  if (expected.issuer && iss && iss !== expected.issuer && !expected.useIdToken) {
    problems.push(new TetherError('TETHER_CREDENTIALS_REFUSED', `The access token's iss (${iss}) is not the authorization server's issuer (${expected.issuer}).`, { hint: 'A gateway that checks the issuer refuses it (Entra ID: v1 tokens carry sts.windows.net; set accessTokenAcceptedVersion to 2 on the API).' }));
  }
  return { token, readable: true, facts, problems };
}
