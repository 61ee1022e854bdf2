// What the OAuth steps are given, in a leaf every step imports: the session's settings, and the narrower views the
// refresh and the sign-in take, so that no step sees more than it needs.
import type { Fetch } from '../http/fetch.js';
import type { Logger } from '../log.js';
import type { SecretRecord, SecretStore } from '../store/secret-store.js';
import type { ServerState } from '../store/server-state.js';
import type { BearerChallenge } from './challenge.js';
import type { StaticClientInfo } from './static-client.js';

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
  /** browser (authorization code + PKCE, default), device (RFC 8628) or client-credentials (a machine client). */
  flow: 'browser' | 'device' | 'client-credentials';
  /** --auth-success-url: the page the browser is sent to after a successful sign-in. */
  successUrl?: string;
  /** --token-endpoint: a machine client's token endpoint, used without discovery. */
  tokenEndpoint?: string;
}

/** What the OAuth session holds: the options, and how it reaches the server, the store and the user. */
export interface AuthSettings extends SignInOptions {
  serverUrl: URL;
  stateDir: string;
  store: SecretStore;
  fetch: Fetch;
  log: Logger;
  staticClient?: StaticClientInfo;
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

/** What a sign-in needs: everything but where the result is kept and who runs it. */
export type SignInSettings = Omit<AuthSettings, 'stateDir' | 'store' | 'signInElsewhere'>;

/** What a refresh needs. */
export type RefreshSettings = Pick<AuthSettings, 'fetch' | 'allowHttp' | 'disableResource' | 'log'>;
