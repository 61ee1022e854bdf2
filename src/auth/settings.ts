// What the OAuth steps are given, in a leaf every step imports: the session's settings, and the narrower views the
// refresh and the sign-in take, so that no step sees more than it needs.
import type { Fetch } from '../http/fetch.js';
import type { Logger } from '../log.js';
import type { SecretRecord, SecretStore } from '../store/secret-store.js';
import type { ServerState } from '../store/server-state.js';
import type { PrivateKey } from 'openid-client';
import type { BearerChallenge } from './challenge.js';
import type { AssertionSource } from './assertion.js';
import type { ClientKeyOption } from './client-key.js';
import type { StaticClientInfo } from './static-client.js';

/**
 * Grants with no browser at the MCP server's authorization server: "refreshing" is asking again, and no other
 * process is involved. enterprise: an ID-JAG from the company's identity provider (enterprise-managed authorization).
 */
export type MachineFlow = 'client-credentials' | 'jwt-bearer' | 'enterprise';

export function isMachineFlow(flow: SignInOptions['flow'] | undefined): flow is MachineFlow {
  return flow === 'client-credentials' || flow === 'jwt-bearer' || flow === 'enterprise';
}

/** --enterprise-idp, --enterprise-idp-client and --enterprise-id-token: the company's identity provider and the user's ID token there. */
export interface EnterpriseIdp {
  issuer: string;
  client: StaticClientInfo;
  /** Where the user's ID token is (an SSO agent keeps it fresh), read again for every exchange; absent: mcp-tether signs in there. */
  idToken?: AssertionSource;
}

/** What a completed sign-in stores: the non-secret state and the secrets. */
export interface SignedIn {
  state: ServerState;
  secrets: SecretRecord;
}

/** The sign-in options the command line gives: everything a sign-in needs that is not wiring. */
export interface SignInOptions {
  allowHttp: boolean;
  /** --allow-private-auth-server: a public MCP server may name an authorization server on a private address. */
  allowPrivateAuthServer: boolean;
  /** --allow-foreign-resource-metadata: the challenge's resource_metadata may be on another origin than the server. */
  allowForeignResourceMetadata: boolean;
  /** Extra client metadata merged into dynamic registration (--static-oauth-client-metadata). */
  clientMetadata: Record<string, unknown>;
  /** --client-metadata-url: an HTTPS URL serving this client's metadata, used as its client id where supported. */
  clientMetadataUrl?: string;
  /** Callback host and path; port undefined = from the client's redirect URI, else a free one. */
  callback: { host: string; port?: number; path: string };
  authTimeoutMs: number;
  scope?: string;
  resource?: string;
  disableResource: boolean;
  authorizeParams: Record<string, string>;
  assumePkce: boolean;
  useIdToken: boolean;
  /**
   * browser (authorization code + PKCE, default), device (RFC 8628), or a machine's own: client-credentials, or
   * jwt-bearer (RFC 7523 section 2.1, a platform-issued JWT from `assertion`).
   */
  flow: 'browser' | 'device' | MachineFlow;
  /** --jwt-bearer-assertion: where the workload identity token is read, for the jwt-bearer flow. */
  assertion?: AssertionSource;
  /** --enterprise-idp and its companions: the company's identity provider, for the enterprise flow. */
  enterprise?: EnterpriseIdp;
  /** --auth-success-url: the page the browser is sent to after a successful sign-in. */
  successUrl?: string;
  /** --token-endpoint: a machine client's token endpoint, used without discovery. */
  tokenEndpoint?: string;
  /** --client-private-key and --client-key-id: the static client authenticates with private_key_jwt. */
  clientKeyFile?: ClientKeyOption;
  /** --client-assertion: the static client authenticates with its platform's JWT (Entra ID federated credentials). */
  clientAssertion?: AssertionSource;
  /**
   * --accept-issuer: authorization server metadata that names this issuer is used though it was discovered for
   * another (RFC 8414 section 3.3 not met by a server the user trusts); said on stderr every time.
   */
  acceptIssuer?: string;
  /** DPoP (RFC 9449) where the authorization server offers it; --no-dpop turns it off (plain bearer tokens). */
  dpop: boolean;
}

/** What the OAuth session holds: the options, and how it reaches the server, the store and the user. */
export interface AuthSettings extends SignInOptions {
  serverUrl: URL;
  stateDir: string;
  store: SecretStore;
  fetch: Fetch;
  log: Logger;
  staticClient?: StaticClientInfo;
  /** The key of clientKeyFile, loaded when the session starts. */
  clientKey?: PrivateKey;
  openBrowser: (url: string) => Promise<void>;
  /** Told the URL of a sign-in with a user (the device flow's; the browser flow's goes through openBrowser). */
  onSignInUrl?: (url: string) => void;
  /**
   * Runs an interactive sign-in in another process (detached from the IDE, so that it survives the IDE closing
   * stdin) and resolves with what it stored. Absent: the sign-in runs here.
   */
  signInElsewhere?: (challenge: BearerChallenge, rejected: string | undefined, onUrl: (url: string) => void) => Promise<SignedIn>;
}

/** Told when an interactive sign-in starts, which URL the user must open, and when it ends. */
export interface SignInObserver {
  started(): void;
  url(url: string): void;
  ended(error?: unknown): void;
}

/**
 * What a sign-in needs: everything but who runs it. (The store is for the one sign-in that keeps something of its own:
 * enterprise-managed authorization's sign-in at the identity provider, shared by every server.)
 */
export type SignInSettings = Omit<AuthSettings, 'signInElsewhere'>;

/** What a refresh needs. */
export type RefreshSettings = Pick<AuthSettings, 'fetch' | 'allowHttp' | 'disableResource' | 'log' | 'clientKey' | 'clientAssertion'>;

/** How the static client proves itself besides a secret: a key (--client-private-key) or its platform's JWT (--client-assertion). */
export function staticClientProof(settings: Pick<AuthSettings, 'clientKey' | 'clientAssertion'>, readPlatformJwt: (source: AssertionSource) => string): { private_key?: PrivateKey; client_assertion?: () => string } {
  const assertion = settings.clientAssertion;
  if (settings.clientKey) return { private_key: settings.clientKey };
  return assertion ? { client_assertion: () => readPlatformJwt(assertion) } : {};
}
