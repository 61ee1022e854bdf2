// The command line: mcp-remote's arguments and ours, parsed by commander into one validated Config.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { TetherError, type ErrorCode } from '../errors.js';
import { parseAssertionSource, type AssertionSource } from '../auth/assertion.js';
import { checkClientKey, type ClientKeyOption } from '../auth/client-key.js';
import { parseStaticClientInfo } from '../auth/static-client.js';
import { assertSecureUrl, serverUrlOf } from '../http/url.js';
import type { EnterpriseIdp, SignInOptions } from '../auth/settings.js';
import type { LogLevel } from '../log.js';
import { TRANSPORT_MODES, type TransportMode } from '../bridge/transport.js';
import { STORE_CHOICES, type StoreChoice } from '../store/secret-store.js';
import { closestCommand } from './commands.js';
import { expandVariables, parseHeaderFile, parseHeaders } from './headers.js';
import { IDE_IDS, type IdeId } from '../ide/ides.js';

export interface Config {
  serverUrl: URL;
  callbackPort?: number;
  headers: Record<string, string>;
  /** What a sign-in needs (auth/settings.ts), as the options set it. */
  signIn: SignInOptions;
  /** --initialize-hold: how long the IDE's initialize may wait for a sign-in (default: per IDE). */
  initializeHoldMs?: number;
  staticClientInfo?: unknown;
  tokenStore: StoreChoice;
  transport: TransportMode;
  ignoreTools: string[];
  allowTools: string[];
  caFile?: string;
  /** How the network is used (--connect-timeout, --headers-timeout, --ipv4). */
  network: NetworkOptions;
  /** --protocol legacy: never try MCP 2026-07-28 (`server/discover`) first. */
  protocol: 'auto' | 'legacy';
  logLevel: LogLevel;
  /** mcp-remote flags accepted where mcp-tether already does better, with what it does instead (said with --debug). */
  notes: string[];
}

export interface NetworkOptions {
  connectTimeoutMs?: number;
  headersTimeoutMs?: number;
  ipv4?: boolean;
}

interface RawOptions {
  header?: string[];
  headerFile?: string[];
  allowHttp?: boolean;
  allowPrivateAuthServer?: boolean;
  allowForeignResourceMetadata?: boolean;
  host: string;
  callbackPath: string;
  authTimeout: number;
  initializeHold?: number;
  staticOauthClientInfo?: string;
  staticOauthClientMetadata?: string;
  clientMetadataUrl?: string;
  scope?: string;
  resource?: string;
  disableResourceParameter?: boolean;
  authorizeParam?: string[];
  assumePkceS256?: boolean;
  useIdToken?: boolean;
  acceptIssuer?: string;
  /** commander: false with --no-dpop, true otherwise. */
  dpop: boolean;
  deviceCode?: boolean;
  clientCredentials?: boolean;
  tokenStore: StoreChoice;
  transport: TransportMode;
  ignoreTool?: string[];
  allowTool?: string[];
  caFile?: string;
  enableProxy?: boolean;
  debug?: boolean;
  silent?: boolean;
  // mcp-remote 0.15.1's flags
  protocol?: 'auto' | 'legacy';
  keepAlive?: boolean;
  pingInterval?: number;
  connectTimeout?: number;
  headersTimeout?: number;
  bodyTimeout?: number;
  ipv4?: boolean;
  disableCookies?: boolean;
  tokenEndpoint?: string;
  clientPrivateKey?: string;
  jwtBearerAssertion?: string;
  clientAssertion?: string;
  enterpriseIdp?: string;
  enterpriseIdpClient?: string;
  enterpriseIdToken?: string;
  clientKeyId?: string;
  authSuccessUrl?: string;
}

/** A repeatable option's values (no commander default: the help would print `(default: [])`). */
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

function positiveSeconds(value: string): number {
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds <= 0) throw new InvalidArgumentError('Expected a number of seconds greater than 0.');
  return seconds;
}

function nonNegativeSeconds(value: string): number {
  const seconds = Number(value);
  if (value.trim() === '' || !Number.isFinite(seconds) || seconds < 0) throw new InvalidArgumentError('Expected a number of seconds, 0 or more.');
  return seconds;
}

/** A JSON value given inline or as @path/to/file.json. */
export function readJsonArgument(option: string, value: string): unknown {
  let text = value;
  if (value.startsWith('@')) {
    try {
      text = readFileSync(value.slice(1), 'utf8');
    } catch (error) {
      throw new TetherError('TETHER_UNREADABLE_FILE', `${option}: cannot read ${value.slice(1)} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, { hint: 'Pass inline JSON or @ followed by a readable file path.' });
    }
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    // The parser's own message quotes the text around the mistake, and this text may hold a client secret: only
    // the position is said.
    const at = /position (\d+)/.exec(error instanceof Error ? error.message : '')?.[1];
    throw new TetherError('TETHER_INVALID_ARGUMENT', `${option} is not valid JSON${at === undefined ? '' : ` (near character ${Number(at) + 1})`}.`, {
      hint: `Quote the JSON for your shell, or put it in a file and pass ${option} @file.json.`,
    });
  }
}

/** ${VAR} expanded in every string of a JSON value (as mcp-remote 0.15.1 does for --static-oauth-client-info), escaped by construction. */
export function expandJsonVariables(value: unknown, env: NodeJS.ProcessEnv, option: string): unknown {
  if (typeof value === 'string') return expandVariables(value, env, option);
  if (Array.isArray(value)) return value.map((item) => expandJsonVariables(item, env, option));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, expandJsonVariables(item, env, option)]));
  }
  return value;
}

function parseServerUrl(raw: string, allowHttp: boolean): URL {
  const typo = closestCommand(raw);
  if (typo) throw new TetherError('TETHER_UNKNOWN_COMMAND', `"${raw}" is neither a command nor a URL.`, { hint: `Did you mean mcp-tether ${typo}? Run mcp-tether --help to see the commands.` });
  return serverUrlOf(raw, allowHttp);
}

function parseCallbackPort(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new TetherError('TETHER_INVALID_ARGUMENT', `The callback port "${raw}" is not a port number (1-65535).`, { hint: 'Pass the port your OAuth client\'s redirect URI uses, e.g. 3334, or leave it out.' });
  }
  return port;
}

/** A client ID metadata document URL must be https with a path (draft-ietf-oauth-client-id-metadata-document). */
function parseClientMetadataUrl(raw: string): string {
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (!url || url.protocol !== 'https:' || url.pathname === '/') {
    throw new TetherError('TETHER_INVALID_ARGUMENT', `--client-metadata-url "${raw}" is not an https URL with a path.`, { hint: 'Example: --client-metadata-url https://example.com/mcp-client.json' });
  }
  return url.href;
}

/** --resource: an absolute URI; empty or blank means "send none" (mcp-remote 0.15.1). */
function resourceOf(options: RawOptions): { resource?: string; disableResource: boolean } {
  const raw = options.resource;
  if (options.disableResourceParameter === true || (raw !== undefined && raw.trim() === '')) return { disableResource: true };
  if (raw === undefined) return { disableResource: false };
  if (!URL.canParse(raw.trim())) throw new TetherError('TETHER_INVALID_ARGUMENT', `--resource "${raw}" is not an absolute URI.`, { hint: 'Example: --resource https://gateway.example/mcp, or --resource "" to send none.' });
  return { resource: raw.trim(), disableResource: false };
}

/** --auth-success-url: where the browser goes after a sign-in; https, or http on loopback (or with --allow-http). */
function parseAuthSuccessUrl(raw: string, allowHttp: boolean): string {
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (!url || !['https:', 'http:'].includes(url.protocol) || url.username || url.password || url.hash) {
    throw new TetherError('TETHER_INVALID_ARGUMENT', `--auth-success-url "${raw}" is not an http(s) URL without credentials or fragment.`, { hint: 'Example: --auth-success-url https://intranet.example/signed-in' });
  }
  assertSecureUrl(url, 'the --auth-success-url page', allowHttp);
  return url.href;
}

/** --token-endpoint: a machine client's token endpoint, used instead of discovery (mcp-remote 0.15.1). */
function parseTokenEndpoint(raw: string, options: RawOptions): string {
  if (!options.clientCredentials) throw new TetherError('TETHER_INVALID_ARGUMENT', '--token-endpoint is only used with --client-credentials.', { hint: 'Add --client-credentials, or leave --token-endpoint out: mcp-tether finds the endpoint itself.' });
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (!url || url.username || url.password || url.hash) throw new TetherError('TETHER_INVALID_ARGUMENT', `--token-endpoint "${raw}" is not a URL without credentials or fragment.`, { hint: 'Example: --token-endpoint https://auth.example/oauth2/token' });
  assertSecureUrl(url, 'the token endpoint', options.allowHttp === true);
  return url.href;
}

/** --client-private-key and --client-key-id: a key file that holds a usable private key, for a client given by id. */
function parseClientKey(options: RawOptions, staticClient: boolean): ClientKeyOption {
  const file = options.clientPrivateKey ?? '';
  if (!staticClient) {
    throw new TetherError('TETHER_INVALID_ARGUMENT', '--client-private-key is the key of a client registered at the provider, which --static-oauth-client-info names.', {
      hint: 'Add --static-oauth-client-info \'{"client_id":"<the client registered with this key>"}\'.',
    });
  }
  const option: ClientKeyOption = { file: resolve(file), ...(options.clientKeyId ? { kid: options.clientKeyId } : {}) };
  checkClientKey(option);
  return option;
}

/** What mcp-tether does instead of an mcp-remote flag it accepts but has no need for (said with --debug). */
function compatibilityNotes(options: RawOptions): string[] {
  const notes: string[] = [];
  if (options.enableProxy) notes.push('--enable-proxy: HTTP_PROXY, HTTPS_PROXY and NO_PROXY are always honoured.');
  if (options.keepAlive || options.pingInterval !== undefined) {
    notes.push('--keep-alive/--ping-interval: no pings are sent; a session the server dropped is started again on the next request (HTTP 404), and the event stream reconnects by itself.');
  }
  if (options.bodyTimeout !== undefined) notes.push('--body-timeout: an answer or event stream is never cut for being quiet (a long tool call may say nothing for minutes); connecting and the response headers keep their deadlines.');
  if (options.disableCookies) notes.push('--disable-cookies: mcp-tether keeps no cookies.');
  return notes;
}

function flowOf(options: RawOptions): SignInOptions['flow'] {
  const chosen = [
    options.deviceCode && '--device-code',
    options.clientCredentials && '--client-credentials',
    options.jwtBearerAssertion !== undefined && '--jwt-bearer-assertion',
    options.enterpriseIdp !== undefined && '--enterprise-idp',
  ].filter(Boolean);
  if (chosen.length > 1) throw new TetherError('TETHER_INVALID_ARGUMENT', `${chosen.join(' and ')} exclude each other.`, { hint: 'Choose the one your client is registered for.' });
  if (options.deviceCode) return 'device';
  if (options.clientCredentials) return 'client-credentials';
  if (options.jwtBearerAssertion !== undefined) return 'jwt-bearer';
  return options.enterpriseIdp !== undefined ? 'enterprise' : 'browser';
}

/**
 * --enterprise-idp, --enterprise-idp-client, --enterprise-id-token: the company's identity provider, the client
 * mcp-tether is there, and where the user's ID token is; with --static-oauth-client-info for the MCP server's side.
 */
function parseEnterprise(options: RawOptions, staticClient: boolean, env: NodeJS.ProcessEnv): EnterpriseIdp | undefined {
  const given = [options.enterpriseIdp !== undefined && '--enterprise-idp', options.enterpriseIdpClient !== undefined && '--enterprise-idp-client', options.enterpriseIdToken !== undefined && '--enterprise-id-token'].filter(Boolean);
  if (given.length === 0) return undefined;
  const example = 'Example: --enterprise-idp https://login.example.com --enterprise-idp-client \'{"client_id":"mcp-agent","redirect_uris":["http://localhost:3334/oauth/callback"]}\' --static-oauth-client-info \'{"client_id":"...","client_secret":"..."}\'';
  if (options.enterpriseIdp === undefined || options.enterpriseIdpClient === undefined || !staticClient) {
    throw new TetherError('TETHER_INVALID_ARGUMENT', 'Enterprise-managed authorization needs --enterprise-idp, --enterprise-idp-client and --static-oauth-client-info together (and --enterprise-id-token where an SSO agent keeps your ID token).', { hint: example });
  }
  if (!URL.canParse(options.enterpriseIdp)) throw new TetherError('TETHER_INVALID_ARGUMENT', `--enterprise-idp must be the identity provider's issuer URL; "${options.enterpriseIdp}" is not a URL.`, { hint: example });
  const client = parseStaticClientInfo(expandJsonVariables(readJsonArgument('--enterprise-idp-client', options.enterpriseIdpClient), env, '--enterprise-idp-client'));
  if (options.enterpriseIdToken === undefined) return { issuer: options.enterpriseIdp, client };
  const source = parseAssertionSource(options.enterpriseIdToken, '--enterprise-id-token');
  return { issuer: options.enterpriseIdp, client, idToken: 'file' in source ? { file: resolve(source.file) } : source };
}

function enterpriseOf(options: RawOptions, staticClient: boolean, env: NodeJS.ProcessEnv): { enterprise?: EnterpriseIdp } {
  const enterprise = parseEnterprise(options, staticClient, env);
  return enterprise ? { enterprise } : {};
}

/** --client-assertion: the platform's JWT as the static client's credential (RFC 7523 section 2.2). */
function parseClientAssertion(options: RawOptions, staticClient: boolean): AssertionSource {
  if (!staticClient || options.clientPrivateKey !== undefined) {
    throw new TetherError('TETHER_INVALID_ARGUMENT', '--client-assertion authenticates the client --static-oauth-client-info names, instead of --client-private-key.', {
      hint: 'Example: --client-credentials --static-oauth-client-info \'{"client_id":"<app id>"}\' --client-assertion /var/run/secrets/azure/tokens/azure-identity-token',
    });
  }
  const source = parseAssertionSource(options.clientAssertion ?? '', '--client-assertion');
  return 'file' in source ? { file: resolve(source.file) } : source;
}

/** --accept-issuer: one issuer, as the metadata writes it (compared exactly, like the check it relaxes). */
function parseAcceptIssuer(raw: string): string {
  if (!URL.canParse(raw)) {
    throw new TetherError('TETHER_INVALID_ARGUMENT', `--accept-issuer must be the issuer URL exactly as the authorization server metadata names it; "${raw}" is not a URL.`, {
      hint: 'Copy the issuer from the TETHER_METADATA_INVALID message, e.g. --accept-issuer https://cf.mcp.atlassian.com',
    });
  }
  return raw;
}

/** --jwt-bearer-assertion: where the workload's token is, for a client the provider knows (--static-oauth-client-info). */
function parseAssertion(raw: string, staticClient: boolean): AssertionSource {
  if (!staticClient) {
    throw new TetherError('TETHER_INVALID_ARGUMENT', '--jwt-bearer-assertion needs the client the provider trusts the workload\'s tokens for, which --static-oauth-client-info names.', {
      hint: 'Add --static-oauth-client-info \'{"client_id":"<the workload client>"}\'.',
    });
  }
  const source = parseAssertionSource(raw);
  return 'file' in source ? { file: resolve(source.file) } : source;
}

/** Parameters of the authorization request that the flow itself sets (PKCE, state, the client): never overridden. */
const RESERVED_AUTHORIZE_PARAMS = new Set(['client_id', 'redirect_uri', 'response_type', 'state', 'code_challenge', 'code_challenge_method']);

function parseAuthorizeParams(entries: string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq < 1) throw new TetherError('TETHER_INVALID_ARGUMENT', `--authorize-param "${entry}" is not of the form key=value.`, { hint: 'Example: --authorize-param audience=https://api.example.com' });
    const key = entry.slice(0, eq).trim();
    if (RESERVED_AUTHORIZE_PARAMS.has(key)) {
      throw new TetherError('TETHER_INVALID_ARGUMENT', `--authorize-param cannot set "${key}": mcp-tether sets it for the sign-in itself.`, { hint: 'Leave it out; for a registered client, pass --static-oauth-client-info and the callback port.' });
    }
    params[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return params;
}

export function proxyOptions(command: Command): Command {
  return command
    .option('--header <header>', 'send "Name: value" with every request to the server; ${VAR} is read from the environment (repeatable)', collect)
    .option('--header-file <path>', 'read headers from a file, one "Name: value" per line (# comments, ${VAR} allowed); --header wins (repeatable)', collect)
    .option('--allow-http', 'allow plain http:// for the server and authorization server (loopback is always allowed)')
    .option('--allow-private-auth-server', 'let a server on a public address name an authorization server on a private one (link-local and cloud metadata addresses stay refused)')
    .option('--allow-foreign-resource-metadata', 'follow a resource_metadata URL on another origin than the server\'s')
    .option('--static-oauth-client-info <json|@file>', 'a client registered at the identity provider: {"client_id", "client_secret"?, "redirect_uris"?, "token_endpoint_auth_method"?, "scope"?}; ${VAR} is read from the environment')
    .option('--static-oauth-client-metadata <json|@file>', 'extra client metadata merged into dynamic client registration')
    .option('--client-metadata-url <url>', 'HTTPS URL of this client\'s metadata document, used as its client id where the server supports it (before dynamic registration)')
    .option('--host <host>', 'host name of the sign-in callback (redirect URI); the listener binds loopback only', 'localhost')
    .option('--callback-path <path>', 'path of the sign-in callback (redirect URI)', '/oauth/callback')
    .option('--auth-timeout <seconds>', 'how long to wait for the browser sign-in', positiveSeconds, 300)
    .option('--initialize-hold <seconds>', 'how long the IDE\'s start-up may wait for a sign-in before mcp-tether answers it (default: per IDE, see the README; 0 = at once)', nonNegativeSeconds)
    .option('--scope <scopes>', 'scopes to request, space-separated (default: what the server asks for)')
    .option('--resource <uri>', 'resource indicator (RFC 8707) to send instead of the server\'s own; "" sends none')
    .option('--disable-resource-parameter', 'send no resource indicator (Microsoft Entra ID v2 rejects it)')
    .option('--authorize-param <key=value>', 'extra authorization request parameter, e.g. audience=... for Auth0; with --client-credentials, sent on the token request (repeatable)', collect)
    .option('--assume-pkce-s256', 'sign in even though the authorization server does not advertise PKCE S256 (Amazon Cognito)')
    .option('--use-id-token', 'send the ID token as the bearer token instead of the access token (Cognito access tokens carry no audience)')
    .option('--accept-issuer <issuer>', 'use authorization server metadata that names this issuer though it was discovered for another (RFC 8414 section 3.3; Atlassian, proxies in front of Entra ID); said on stderr each time')
    .option('--no-dpop', 'plain bearer tokens even where the authorization server offers DPoP (RFC 9449: tokens bound to a key kept in the keychain)')
    .option('--device-code', 'sign in with a code on another device (RFC 8628) instead of a browser on this machine')
    .option('--client-credentials', 'no user: a machine client gets tokens with its own credentials (needs client_id and client_secret)')
    .addOption(new Option('--token-store <store>', 'where credentials are kept: auto = the OS keychain, falling back to a file with a notice').choices(STORE_CHOICES).default('auto'))
    .addOption(new Option('--transport <mode>', 'http-first falls back to the legacy HTTP+SSE transport when the server rejects Streamable HTTP').choices(TRANSPORT_MODES).default('http-first'))
    .option('--ignore-tool <glob>', 'hide tools whose name matches ("*" and "?" wildcards, any case) from the IDE (repeatable)', collect)
    .option('--allow-tool <glob>', 'show only tools whose name matches (repeatable)', collect)
    .option('--ca-file <path>', 'trust the certificate authorities in this PEM file too (NODE_EXTRA_CA_CERTS works as well)')
    .option('--connect-timeout <seconds>', 'how long connecting to a server may take (default 10)', positiveSeconds)
    .option('--headers-timeout <seconds>', 'how long a server may take to start answering a request (default 300; 0 = no limit)', nonNegativeSeconds)
    .option('--ipv4', 'connect over IPv4 only')
    .addOption(new Option('--protocol <mode>', 'auto tries MCP 2026-07-28 first, then the 2025-11-25 lifecycle; legacy never tries 2026-07-28').choices(['auto', 'legacy']))
    .option('--auth-success-url <url>', 'send the browser to this page after a successful sign-in')
    .option('--jwt-bearer-assertion <file|env:NAME>', 'no user: exchange the platform\'s workload identity token (a JWT, read again for every token) with the jwt-bearer grant (RFC 7523)')
    .option('--enterprise-idp <issuer>', 'enterprise-managed authorization (SEP-990): your company\'s identity provider, where your ID token is exchanged for an ID-JAG this server\'s authorization server accepts')
    .option('--enterprise-idp-client <json|@file>', 'with --enterprise-idp: the client at the identity provider, {"client_id", "client_secret"?, "redirect_uris"?, "scope"?}; one browser sign-in there serves every server')
    .option('--enterprise-id-token <file|env:NAME>', 'with --enterprise-idp: where an SSO agent keeps your ID token (read again for every exchange), instead of signing in there')
    .option('--client-private-key <file>', 'the static client authenticates with a JWT signed by this PEM private key (private_key_jwt, RFC 7523), not a secret')
    .option('--client-assertion <file|env:NAME>', 'the static client authenticates with a JWT its platform issues (Entra ID federated credentials: GitHub Actions, Kubernetes, other clouds), read again for every request')
    .option('--client-key-id <kid>', 'with --client-private-key: the key id the authorization server knows the key by')
    .option('--token-endpoint <url>', 'with --client-credentials: the token endpoint to use, without discovery')
    .option('--debug', 'verbose diagnostics on stderr (secrets are never printed)')
    .option('--silent', 'print nothing on stderr except fatal errors and sign-in URLs')
    .optionsGroup('Accepted from mcp-remote, where mcp-tether needs no setting (--debug says what it does instead):')
    .option('--enable-proxy', 'HTTP_PROXY, HTTPS_PROXY and NO_PROXY are always honoured')
    .option('--keep-alive', 'no pings are needed: a dropped session is started again')
    .option('--ping-interval <seconds>', 'see --keep-alive', positiveSeconds)
    .option('--body-timeout <seconds>', 'answers and event streams are never cut for being quiet', nonNegativeSeconds)
    .option('--disable-cookies', 'mcp-tether keeps no cookies');
}

export function toConfig(serverUrlRaw: string, callbackPortRaw: string | undefined, options: RawOptions, env: NodeJS.ProcessEnv): Config {
  const allowHttp = options.allowHttp === true;
  const serverUrl = parseServerUrl(serverUrlRaw, allowHttp);
  const callbackPort = parseCallbackPort(callbackPortRaw);
  const staticClientInfo =
    options.staticOauthClientInfo === undefined
      ? undefined
      : expandJsonVariables(readJsonArgument('--static-oauth-client-info', options.staticOauthClientInfo), env, '--static-oauth-client-info');
  const metadata = options.staticOauthClientMetadata === undefined ? {} : readJsonArgument('--static-oauth-client-metadata', options.staticOauthClientMetadata);
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new TetherError('TETHER_INVALID_ARGUMENT', '--static-oauth-client-metadata must be a JSON object.', { hint: 'Example: --static-oauth-client-metadata \'{"client_name":"My IDE"}\'' });
  }
  if (staticClientInfo !== undefined) parseStaticClientInfo(staticClientInfo); // its shape is a command-line matter: exit 2
  const headers: Record<string, string> = {};
  for (const file of options.headerFile ?? []) Object.assign(headers, parseHeaderFile(file, env));
  Object.assign(headers, parseHeaders(options.header ?? [], env));
  return {
    serverUrl,
    ...(callbackPort === undefined ? {} : { callbackPort }),
    headers,
    signIn: {
      allowHttp,
      allowPrivateAuthServer: options.allowPrivateAuthServer === true,
      allowForeignResourceMetadata: options.allowForeignResourceMetadata === true,
      clientMetadata: metadata as Record<string, unknown>,
      ...(options.clientMetadataUrl ? { clientMetadataUrl: parseClientMetadataUrl(options.clientMetadataUrl) } : {}),
      callback: {
        host: options.host,
        path: options.callbackPath.startsWith('/') ? options.callbackPath : `/${options.callbackPath}`,
        ...(callbackPort === undefined ? {} : { port: callbackPort }),
      },
      authTimeoutMs: options.authTimeout * 1000,
      ...(options.scope ? { scope: options.scope } : {}),
      ...resourceOf(options),
      authorizeParams: parseAuthorizeParams(options.authorizeParam ?? []),
      assumePkce: options.assumePkceS256 === true,
      useIdToken: options.useIdToken === true,
      dpop: options.dpop !== false,
      ...(options.acceptIssuer ? { acceptIssuer: parseAcceptIssuer(options.acceptIssuer) } : {}),
      flow: flowOf(options),
      ...(options.authSuccessUrl ? { successUrl: parseAuthSuccessUrl(options.authSuccessUrl, allowHttp) } : {}),
      ...(options.tokenEndpoint ? { tokenEndpoint: parseTokenEndpoint(options.tokenEndpoint, options) } : {}),
      ...(options.clientPrivateKey ? { clientKeyFile: parseClientKey(options, staticClientInfo !== undefined) } : {}),
      ...(options.jwtBearerAssertion !== undefined ? { assertion: parseAssertion(options.jwtBearerAssertion, staticClientInfo !== undefined) } : {}),
      ...enterpriseOf(options, staticClientInfo !== undefined, env),
      ...(options.clientAssertion !== undefined ? { clientAssertion: parseClientAssertion(options, staticClientInfo !== undefined) } : {}),
    },
    ...(options.initializeHold === undefined ? {} : { initializeHoldMs: Math.round(options.initializeHold * 1000) }),
    ...(staticClientInfo === undefined ? {} : { staticClientInfo }),
    tokenStore: options.tokenStore,
    transport: options.transport,
    ignoreTools: options.ignoreTool ?? [],
    allowTools: options.allowTool ?? [],
    ...(options.caFile ? { caFile: options.caFile } : {}),
    network: {
      ...(options.connectTimeout === undefined ? {} : { connectTimeoutMs: Math.round(options.connectTimeout * 1000) }),
      // 0 = no limit, as in mcp-remote and undici
      ...(options.headersTimeout === undefined ? {} : { headersTimeoutMs: Math.round(options.headersTimeout * 1000) }),
      ...(options.ipv4 ? { ipv4: true } : {}),
    },
    protocol: options.protocol ?? 'auto',
    logLevel: options.debug ? 'debug' : options.silent ? 'silent' : 'info',
    notes: compatibilityNotes(options),
  };
}

/** Options of the commands that only talk to servers already signed in to (logout, status --check). */
export interface MaintenanceOptions {
  caFile?: string;
  allowHttp?: boolean;
  connectTimeout?: number;
  ipv4?: boolean;
  debug?: boolean;
}

export interface LogoutOptions extends MaintenanceOptions {
  all?: boolean;
}

export interface StatusOptions extends MaintenanceOptions {
  json?: boolean;
  check?: boolean;
}

/** doctor's own options, beside the proxy's. */
export interface DoctorOptions {
  signIn?: boolean;
  json?: boolean;
}

export interface Commands {
  proxy: (config: Config) => Promise<void>;
  login: (config: Config) => Promise<void>;
  logout: (serverUrl: string | undefined, options: LogoutOptions) => Promise<void>;
  /** Resolves with the exit code: whether every listed server is usable. */
  status: (serverUrl: string | undefined, options: StatusOptions) => Promise<number>;
  /** Where a command's own exit code goes (status). */
  exit: (code: number) => void;
  /** `words`: the server's name, its URL and the proxy's options, verbatim. */
  add: (words: string[], options: AddOptions) => Promise<void>;
  remove: (name: string, options: RemoveOptions) => Promise<void>;
  /** Resolves with the exit code: whether the sign-in chain works. */
  doctor: (config: Config, options: DoctorOptions) => Promise<number>;
}

export interface RemoveOptions {
  ide: IdeId;
  force?: boolean;
  print?: boolean;
}

export interface AddOptions extends RemoveOptions {
  fromMcpRemote?: boolean;
  command: 'npx' | 'local';
  env?: string[];
}

/** `add` and `remove`: the IDE's own configuration file, edited in place. */
function ideCommands(program: Command, commands: Commands): void {
  const ide = (): Option => new Option('--ide <ide>', 'the IDE whose configuration to edit (-workspace, -project: the one in this folder)').choices(IDE_IDS).makeOptionMandatory();
  const add = program
    .command('add')
    .usage('<name> <server-url> [callback-port] [proxy options] --ide <ide>\n       mcp-tether add --from-mcp-remote --ide <ide>')
    .description("Write the entry that runs mcp-tether into an IDE's own configuration file (comments and formatting kept, the previous file kept as <file>.mcp-tether.bak), or rewrite its mcp-remote entries.")
    .argument('[name-url-options...]', "the server's name in the IDE, its URL, then any of the proxy's options, passed on verbatim")
    .addOption(ide())
    .option('--force', 'replace a different entry of the same name')
    .option('--print', 'show the change and write nothing')
    .option('--from-mcp-remote', 'rewrite every entry that runs mcp-remote to run mcp-tether, with the same arguments and environment')
    .addOption(new Option('--command <runner>', 'what the entry runs: npx (npx -y mcp-tether; cmd /c npx on Windows) or local (this installation, by absolute paths)').choices(['npx', 'local']).default('npx'))
    .option('--env <KEY=VALUE>', "set a variable in the entry's environment (repeatable)", collect)
    .allowUnknownOption();
  quiet(add, 'mcp-tether add');
  add.addHelpText('after', `
Examples:
  mcp-tether add work-tools https://gateway.example/mcp --ide cursor
  mcp-tether add work-tools https://gateway.example/mcp 3334 --ide vscode --static-oauth-client-info '{"client_id":"abc123"}'
  mcp-tether add --from-mcp-remote --ide claude-desktop --print

Options add does not know are the proxy's and go into the entry as given; after -- everything does.`);
  add.action(async (words: string[], options: AddOptions) => {
    await commands.add(words, options);
  });
  const remove = program
    .command('remove')
    .description("Remove an entry that runs mcp-tether from an IDE's configuration file (the previous file kept as <file>.mcp-tether.bak).")
    .argument('<name>', "the server's name in the IDE")
    .addOption(ide())
    .option('--force', 'remove the entry even if it does not run mcp-tether')
    .option('--print', 'show the change and write nothing')
    .allowExcessArguments(false);
  quiet(remove, 'mcp-tether remove').action(async (name: string, options: RemoveOptions) => {
    await commands.remove(name, options);
  });
}

/** `doctor`: the proxy's own options (refused as the proxy refuses them), plus --sign-in and --json. */
function doctorCommand(program: Command, commands: Commands, env: NodeJS.ProcessEnv): void {
  const doctor = program
    .command('doctor')
    .description('Walk the chain a sign-in takes (options, network, MCP endpoint, OAuth metadata, keychain, stored credentials), one line per step; a failing step names its code and fix. Exits 1 when the chain is broken.')
    .argument('<server-url>', 'the remote MCP server')
    .argument('[callback-port]', 'port of the sign-in callback')
    .option('--sign-in', 'also sign in (as mcp-tether login), call initialize and tools/list, and check the token\'s claims')
    .option('--json', 'machine-readable output');
  quiet(doctor, 'mcp-tether doctor');
  proxyOptions(doctor).action(async (serverUrl: string, callbackPort: string | undefined, options: RawOptions & DoctorOptions) => {
    commands.exit(await commands.doctor(toConfig(serverUrl, callbackPort, options, env), { signIn: options.signIn === true, json: options.json === true }));
  });
}

function maintenanceOptions(command: Command): Command {
  return command
    .option('--ca-file <path>', 'trust the certificate authorities in this PEM file too')
    .option('--allow-http', 'allow plain http:// for the authorization server')
    .option('--connect-timeout <seconds>', 'how long connecting to a server may take (default 10)', positiveSeconds)
    .option('--ipv4', 'connect over IPv4 only')
    .option('--debug', 'verbose diagnostics on stderr (secrets are never printed)');
}

const COMMANDER_CODES: Record<string, ErrorCode> = {
  'commander.unknownOption': 'TETHER_UNKNOWN_OPTION',
  'commander.unknownCommand': 'TETHER_UNKNOWN_COMMAND',
  'commander.missingArgument': 'TETHER_MISSING_ARGUMENT',
  'commander.optionMissingArgument': 'TETHER_MISSING_ARGUMENT',
  'commander.missingMandatoryOptionValue': 'TETHER_MISSING_ARGUMENT',
};

/** Commander's parse errors in mcp-tether's own style: a coded error, its cause, and the help to read. */
export function fromCommander(error: CommanderError, command: string): CommanderError | TetherError {
  if (error.exitCode === 0) return error; // --help, --version
  const [first = '', ...rest] = error.message.replace(/^error: /, '').split('\n');
  const suggestion = rest.join(' ').match(/\((Did you mean [^)]*)\)/)?.[1];
  const help = `Run ${command} --help to see ${command === 'mcp-tether' ? 'every option' : 'what it takes'}.`;
  const message = first.charAt(0).toUpperCase() + first.slice(1);
  return new TetherError(COMMANDER_CODES[error.code] ?? 'TETHER_INVALID_ARGUMENT', message.endsWith('.') ? message : `${message}.`, {
    hint: suggestion ? `${suggestion} ${help}` : help,
    cause: error,
  });
}

/** Commander prints nothing itself: its errors are thrown, coded, and printed by main like every other error. */
function quiet(command: Command, name: string): Command {
  return command.configureOutput({ outputError: () => undefined }).exitOverride((error) => {
    throw fromCommander(error, name);
  });
}

export function buildProgram(version: string, commands: Commands, env: NodeJS.ProcessEnv): Command {
  const program = new Command('mcp-tether')
    .usage('<server-url> [callback-port] [options]\n       mcp-tether <command> [options]')
    .description('Connect an IDE that speaks stdio MCP to a remote, OAuth-protected MCP server (Streamable HTTP).\nSigns in through your browser once; keeps tokens in the OS keychain and refreshes them.')
    .version(version, '-v, --version')
    .argument('<server-url>', 'the remote MCP server, e.g. https://gateway.example/mcp')
    .argument('[callback-port]', 'port of the sign-in callback (redirect URI); default: the client\'s registered one, else a free port')
    .enablePositionalOptions();
  quiet(program, 'mcp-tether');
  proxyOptions(program);
  program.addHelpText('after', `
Examples:
  mcp-tether https://gateway.example/mcp
  mcp-tether https://gateway.example/mcp 3334 --static-oauth-client-info '{"client_id":"abc123"}'
  mcp-tether login https://gateway.example/mcp
  mcp-tether status --check
  mcp-tether doctor https://gateway.example/mcp --sign-in

Exit codes: 0 done, 1 failure, 2 bad command line, 3 sign-in failed. Errors carry a code (TETHER_...): see the README.`);
  program.action(async (serverUrl: string, callbackPort: string | undefined, options: RawOptions) => {
    await commands.proxy(toConfig(serverUrl, callbackPort, options, env));
  });

  const login = program
    .command('login')
    .description('Sign in to a server now, before an IDE needs it (takes the same options as the proxy).')
    .argument('<server-url>', 'the remote MCP server')
    .argument('[callback-port]', 'port of the sign-in callback');
  quiet(login, 'mcp-tether login');
  proxyOptions(login).action(async (serverUrl: string, callbackPort: string | undefined, options: RawOptions) => {
    await commands.login(toConfig(serverUrl, callbackPort, options, env));
  });

  const logout = program
    .command('logout')
    .description('Revoke the tokens at the authorization server (where it offers revocation) and delete everything stored for a server.')
    .argument('[server-url]', 'the server to sign out of')
    .option('--all', 'sign out of every server');
  quiet(logout, 'mcp-tether logout');
  maintenanceOptions(logout)
    .allowExcessArguments(false)
    .action(async (serverUrl: string | undefined, options: LogoutOptions) => {
      await commands.logout(serverUrl, options);
    });

  const status = program
    .command('status')
    .description('Show the servers mcp-tether holds credentials for: account, authorization server, client, scopes, expiry, store (never a secret). Exits 1 when one is not usable.')
    .argument('[server-url]', 'only this server')
    .option('--check', 'also try each credential against its server')
    .option('--json', 'machine-readable output');
  quiet(status, 'mcp-tether status');
  maintenanceOptions(status).action(async (serverUrl: string | undefined, options: StatusOptions) => {
    commands.exit(await commands.status(serverUrl, options));
  });
  ideCommands(program, commands);
  doctorCommand(program, commands, env);
  const help = program
    .command('help')
    .description('Show the help of mcp-tether, or of a command.')
    .argument('[command]', 'login, logout, status, add, remove or doctor');
  quiet(help, 'mcp-tether help').action((name: string | undefined) => {
    const command = name === undefined ? program : program.commands.find((candidate) => candidate.name() === name);
    if (!command) {
      const guess = name === undefined ? undefined : closestCommand(name);
      throw new TetherError('TETHER_UNKNOWN_COMMAND', `"${name ?? ''}" is not a command.`, { hint: guess && guess !== 'help' ? `Did you mean mcp-tether help ${guess}?` : 'Run mcp-tether --help to see the commands.' });
    }
    command.outputHelp();
  });
  return program;
}
