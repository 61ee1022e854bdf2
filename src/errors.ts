// Typed errors: one family. Each error carries a stable code (TETHER_...), its cause in the message and the fix in
// its hint; the code decides the exit code, so the README's legend holds by construction.
import { redact } from './log.js';
import { networkFailure } from './network-error.js';

/** Exit codes, documented in the README. */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  authorization: 3,
} as const;

type Kind = 'usage' | 'failure' | 'authorization';

interface CodeInfo {
  kind: Kind;
  /** What the code means, for the README's troubleshooting table. */
  means: string;
  /** The fix when the error names none of its own. */
  fix: string;
}

/**
 * Every code mcp-tether reports. A code, once published, keeps its meaning; the README's troubleshooting table lists
 * them all (a test keeps the two in step).
 */
export const ERROR_CODES = {
  // --- the command line (exit 2) ---
  TETHER_UNKNOWN_OPTION: { kind: 'usage', means: 'An option mcp-tether does not know.', fix: 'Check the spelling; run mcp-tether --help to see every option.' },
  TETHER_UNKNOWN_COMMAND: { kind: 'usage', means: 'A word that is neither a command nor a server URL.', fix: 'Run mcp-tether --help to see the commands.' },
  TETHER_MISSING_ARGUMENT: { kind: 'usage', means: 'A command or option is missing its value.', fix: 'Run mcp-tether <command> --help to see what it takes.' },
  TETHER_INVALID_ARGUMENT: { kind: 'usage', means: 'An option\'s value is malformed or out of range.', fix: 'Run mcp-tether <command> --help to see what it takes.' },
  TETHER_INVALID_URL: { kind: 'usage', means: 'The server URL is not a URL, or lacks its scheme.', fix: 'Pass the full URL, e.g. https://gateway.example/mcp.' },
  TETHER_INSECURE_URL: { kind: 'usage', means: 'A plain http:// URL that is not on this machine.', fix: 'Use an https:// URL, or pass --allow-http if the network is trusted.' },
  TETHER_UNREADABLE_FILE: { kind: 'usage', means: 'A file named by an option cannot be read.', fix: 'Check the path and its permissions.' },
  // --- the network and the MCP server (exit 1) ---
  TETHER_UNREACHABLE: { kind: 'failure', means: 'The server or authorization server cannot be reached (refused, unknown host, timeout, reset).', fix: 'Check the URL, that the server runs, and your network, VPN or proxy (HTTPS_PROXY).' },
  TETHER_TLS_UNTRUSTED: { kind: 'failure', means: 'A server\'s TLS certificate is not trusted, has expired or names another host.', fix: 'Pass --ca-file <pem> (or set NODE_EXTRA_CA_CERTS) with your organisation\'s root certificate.' },
  TETHER_NOT_MCP_ENDPOINT: { kind: 'failure', means: 'The URL answers, but not as an MCP endpoint (404, 405, or not MCP).', fix: 'Check the path: most servers serve /mcp (Streamable HTTP); /sse is the legacy transport.' },
  TETHER_SERVER_FAILED: { kind: 'failure', means: 'The MCP server answered with an error of its own (HTTP 5xx, or a broken answer).', fix: 'This is on the server\'s side; try again, or ask its operator.' },
  TETHER_KEYCHAIN_LOCKED: { kind: 'failure', means: 'The OS keychain is locked: stored credentials cannot be read or written.', fix: 'Unlock the keychain (log in to the desktop session, or unlock the "login" keyring), then try again; nothing stored is lost.' },
  TETHER_KEYCHAIN_UNAVAILABLE: { kind: 'failure', means: 'The OS keychain does not answer (no D-Bus session, no Secret Service, a hung daemon).', fix: 'Start the keyring daemon in this session, or pass --token-store file.' },
  TETHER_KEYCHAIN_REFUSED: { kind: 'failure', means: 'The OS keychain refused to store or read an entry.', fix: 'Run with --debug for the keychain\'s own words; --token-store file stores credentials in a file instead.' },
  TETHER_LOCK_TIMEOUT: { kind: 'failure', means: 'Another mcp-tether held this server\'s sign-in for longer than a sign-in may take.', fix: 'Finish or cancel the other sign-in (its URL is on its stderr), then try again.' },
  TETHER_CONFIG_CONFLICT: { kind: 'failure', means: 'add or remove met an IDE entry of that name it will not replace or remove: one that starts something else.', fix: 'Choose another name, or pass --force (the file is backed up first).' },
  TETHER_CONFIG_INVALID: { kind: 'failure', means: 'The IDE\'s configuration file is not valid JSON or TOML (or not shaped as an MCP configuration); it is left untouched.', fix: 'Fix the file at the line and column named (the IDE cannot read it either), then run the command again.' },
  TETHER_CONFIG_WRITE_FAILED: { kind: 'failure', means: 'The IDE\'s configuration file cannot be written (permissions, a read-only folder); it is as it was.', fix: 'Check the permissions of the file and its folder, then run the command again.' },
  TETHER_UNEXPECTED: { kind: 'failure', means: 'A failure mcp-tether has no code for yet.', fix: 'Run with --debug and report it with that output.' },
  // --- authorization (exit 3) ---
  TETHER_METADATA_INVALID: { kind: 'authorization', means: 'The server\'s protected resource metadata or its authorization server\'s metadata is missing, wrong or for another server.', fix: 'Ask the server\'s operator to fix its OAuth metadata; run mcp-tether with --debug to see which URLs were tried.' },
  TETHER_RESPONSE_TOO_LARGE: { kind: 'authorization', means: 'An authorization-related answer (metadata, registration, tokens) was larger than any real one: a broken or hostile server.', fix: 'Check the URL the message names; ask the operator of that server.' },
  TETHER_REDIRECT_REFUSED: { kind: 'authorization', means: 'An authorization server answered a request carrying credentials or registration data (or a metadata request, beyond 3 hops) with a redirect, which mcp-tether does not follow.', fix: 'Ask the operator to name the final URL in the metadata; nothing was sent on.' },
  TETHER_ADDRESS_REFUSED: { kind: 'authorization', means: 'A sign-in request would go to a link-local address, a cloud metadata service, or a private address named by a public server: what a hostile server points at.', fix: 'If the authorization server really is on your private network, pass --allow-private-auth-server; otherwise ask the operator of the MCP server.' },
  TETHER_TOKEN_REFUSED: { kind: 'authorization', means: 'The authorization server answered with a token no real server issues (empty, beyond 64 KiB, or with characters a bearer token cannot have): a broken or hostile server.', fix: 'Nothing was stored and the previous sign-in is kept; ask the operator of the authorization server.' },
  TETHER_AUTH_SERVER_UNAVAILABLE: { kind: 'authorization', means: 'The authorization server failed (HTTP 5xx, temporarily_unavailable); stored credentials are kept.', fix: 'Try again shortly; nothing needs to change on your side.' },
  TETHER_NO_PKCE: { kind: 'authorization', means: 'The authorization server does not advertise PKCE with S256, which MCP requires.', fix: 'If it supports S256 without saying so (Amazon Cognito, Entra ID), pass --assume-pkce-s256.' },
  TETHER_NO_DCR: { kind: 'authorization', means: 'The authorization server offers no dynamic client registration and no client was given.', fix: 'Register a client at the provider and pass it with --static-oauth-client-info.' },
  TETHER_REGISTRATION_FAILED: { kind: 'authorization', means: 'Dynamic client registration was refused.', fix: 'Register a client at the provider and pass it with --static-oauth-client-info.' },
  TETHER_REGISTRATION_REJECTED: { kind: 'authorization', means: 'The authorization server no longer accepts the client mcp-tether registered; it is forgotten.', fix: 'Try again: the next sign-in registers a new client.' },
  TETHER_CLIENT_REJECTED: { kind: 'authorization', means: 'The authorization server refused the client (invalid_client, unauthorized_client).', fix: 'Check client_id, client_secret and token_endpoint_auth_method in --static-oauth-client-info.' },
  TETHER_REDIRECT_URI_MISMATCH: { kind: 'authorization', means: 'The redirect URI is not registered for the client.', fix: 'Register the exact redirect URI mcp-tether names for the client, or pass the callback port it is registered with.' },
  TETHER_SCOPE_REJECTED: { kind: 'authorization', means: 'The authorization server refused the requested scopes (invalid_scope).', fix: 'Pass --scope with scopes this client may request.' },
  TETHER_RESOURCE_REJECTED: { kind: 'authorization', means: 'The authorization server refused the resource indicator (invalid_target, RFC 8707).', fix: 'Pass --disable-resource-parameter (Entra ID v2) or --resource with the value it expects.' },
  TETHER_SIGN_IN_DENIED: { kind: 'authorization', means: 'The sign-in was refused or cancelled at the provider (access_denied and the like).', fix: 'Sign in again with an account that may use this server.' },
  TETHER_SIGN_IN_TIMEOUT: { kind: 'authorization', means: 'Nobody finished the sign-in in time.', fix: 'Open the sign-in URL and finish it, or raise --auth-timeout.' },
  TETHER_CALLBACK_PORT_IN_USE: { kind: 'authorization', means: 'The sign-in callback cannot listen on its port.', fix: 'Close the program that uses the port, or choose another callback port.' },
  TETHER_GRANT_NOT_OFFERED: { kind: 'authorization', means: 'The authorization server does not offer the grant asked for (device code, client credentials).', fix: 'Use the browser sign-in, or enable the grant for the client at the provider.' },
  TETHER_AUTH_METHOD_NOT_OFFERED: { kind: 'authorization', means: 'The authorization server does not list the client authentication the options ask for (private_key_jwt for --client-private-key or --client-assertion).', fix: 'Authenticate the client as the provider lists (a client secret in --static-oauth-client-info), or enable signed client authentication at the provider.' },
  TETHER_DPOP_UNAVAILABLE: { kind: 'authorization', means: 'The MCP server takes only DPoP-bound tokens, and its authorization server offers no DPoP mcp-tether can use.', fix: 'Have DPoP enabled for the client at the provider, or the MCP server accept Bearer tokens (--no-dpop sends Bearer tokens anyway).' },
  TETHER_ASSERTION_UNAVAILABLE: { kind: 'authorization', means: 'The workload identity token for --jwt-bearer-assertion is missing, unreadable or not a JWT.', fix: 'Check that the platform writes its token where --jwt-bearer-assertion points (a file, or env:NAME), and that the job may read it.' },
  TETHER_CONFIDENTIAL_CLIENT_REQUIRED: { kind: 'authorization', means: '--client-credentials needs a client secret.', fix: 'Pass --static-oauth-client-info with "client_id" and "client_secret".' },
  TETHER_GRANT_REVOKED: { kind: 'authorization', means: 'The stored sign-in is no longer valid (invalid_grant): only a new sign-in helps.', fix: 'Sign in again (mcp-tether login <url>, or restart the server in the IDE).' },
  TETHER_OAUTH_ERROR: { kind: 'authorization', means: 'The authorization server refused a request with an OAuth error not listed above.', fix: 'Check the client registration and the options for this provider (see the README); run with --debug.' },
  TETHER_CREDENTIALS_REFUSED: { kind: 'authorization', means: 'The MCP server refuses the credentials even after a sign-in (HTTP 401/403).', fix: 'Check the scopes (--scope), the audience the server expects (--resource, --use-id-token) and the client it accepts.' },
  TETHER_SIGN_IN_FAILED: { kind: 'authorization', means: 'The sign-in process ended without an outcome.', fix: 'Try again; run with --debug to see each step.' },
} as const satisfies Record<string, CodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error as data: the JSON-RPC error's `data` to the IDE, `error` in `status --json`. */
export interface ErrorData {
  code: ErrorCode;
  message: string;
  fix: string;
}

const EXIT_OF: Record<Kind, number> = { usage: ExitCode.usage, failure: ExitCode.failure, authorization: ExitCode.authorization };

export class TetherError extends Error {
  readonly code: ErrorCode;
  readonly hint: string;

  constructor(code: ErrorCode, message: string, options: { hint?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'TetherError';
    this.code = code;
    this.hint = options.hint ?? ERROR_CODES[code].fix;
  }

  get exitCode(): number {
    return EXIT_OF[ERROR_CODES[this.code].kind];
  }

  /** The message and its hint, as printed on stderr and sent to the IDE (known secrets scrubbed). */
  describe(): string {
    return redact(`${this.message} [${this.code}]\n  -> ${this.hint}`);
  }

  /** What the IDE gets in a JSON-RPC error's `data`, and `status --json` in its `error` (known secrets scrubbed). */
  toData(): ErrorData {
    return { code: this.code, message: redact(this.message), fix: redact(this.hint) };
  }
}

/** Whether `error` is a TetherError with one of these codes. */
export function hasCode(error: unknown, ...codes: ErrorCode[]): error is TetherError {
  return error instanceof TetherError && codes.includes(error.code);
}

/** Any failure as a TetherError: network failures get their code, anything else TETHER_UNEXPECTED. */
export function asTetherError(error: unknown): TetherError {
  if (error instanceof TetherError) return error;
  const network = networkFailure(error);
  if (network !== undefined) {
    const message = network.what.charAt(0).toUpperCase() + network.what.slice(1);
    return new TetherError(network.certificate ? 'TETHER_TLS_UNTRUSTED' : 'TETHER_UNREACHABLE', `${message}.`, {
      ...(network.fix ? { hint: network.fix.charAt(0).toUpperCase() + network.fix.slice(1) + '.' } : {}),
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  if (/returned 40[13] after re-authentication/i.test(message)) {
    // the SDK's words when the MCP server refuses the token it was just given
    return new TetherError('TETHER_CREDENTIALS_REFUSED', `The MCP server refuses the token just obtained for it (${shortened(message)}).`, { cause: error });
  }
  return new TetherError('TETHER_UNEXPECTED', shortened(message), { cause: error });
}

/** A message of unknown origin, cut to a readable length: the SDK puts whole response bodies (HTML pages) in its own. */
function shortened(message: string, limit = 300): string {
  const line = message.replace(/\s+/g, ' ').trim();
  return line.length <= limit ? line : `${line.slice(0, limit)}... (cut; --debug shows all)`;
}

/** An error as printed on stderr and sent to the IDE: the cause, the code, the fix. */
export function describeError(error: unknown): string {
  return asTetherError(error).describe();
}

/** An error's message alone, on one line (for --debug traces and messages that add their own context). */
export function messageOf(error: unknown): string {
  if (error instanceof TetherError) return `${error.message} [${error.code}]`;
  const network = networkFailure(error);
  if (network !== undefined) return network.what;
  return error instanceof Error ? error.message : String(error);
}
