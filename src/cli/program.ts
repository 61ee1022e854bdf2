// The command line: mcp-remote's arguments and ours, parsed by commander into one validated Config.
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import { UsageError } from '../errors.js';
import { assertSecureUrl } from '../http/url.js';
import type { SignInOptions } from '../auth/settings.js';
import type { LogLevel } from '../log.js';
import { TRANSPORT_MODES, type TransportMode } from '../bridge/transport.js';
import { STORE_CHOICES, type StoreChoice } from '../store/secret-store.js';
import { parseHeaderFile, parseHeaders } from './headers.js';

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
  logLevel: LogLevel;
}

interface RawOptions {
  header: string[];
  allowHttp?: boolean;
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
  authorizeParam: string[];
  assumePkceS256?: boolean;
  useIdToken?: boolean;
  deviceCode?: boolean;
  clientCredentials?: boolean;
  tokenStore: StoreChoice;
  transport: TransportMode;
  ignoreTool: string[];
  allowTool: string[];
  headerFile?: string;
  caFile?: string;
  enableProxy?: boolean;
  debug?: boolean;
  silent?: boolean;
}

const collect = (value: string, previous: string[]): string[] => [...previous, value];

function positiveSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new InvalidArgumentError('Expected a number of seconds greater than 0.');
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
      throw new UsageError(`${option}: cannot read ${value.slice(1)} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, 'Pass inline JSON or @ followed by a readable file path.');
    }
  }
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${option} is not valid JSON (${(error as Error).message}).`, `Quote the JSON for your shell, or put it in a file and pass ${option} @file.json.`);
  }
}

function parseServerUrl(raw: string, allowHttp: boolean): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new UsageError(`"${raw}" is not a URL.`, 'Pass the remote MCP server URL first, e.g. mcp-tether https://gateway.example/mcp');
  }
  try {
    assertSecureUrl(url, 'the MCP server', allowHttp);
  } catch (error) {
    throw new UsageError((error as Error).message, (error as UsageError).hint);
  }
  return url;
}

function parseCallbackPort(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new UsageError(`The callback port "${raw}" is not a port number (1-65535).`, 'Pass the port your OAuth client\'s redirect URI uses, e.g. 3334, or leave it out.');
  }
  return port;
}

/** A client ID metadata document URL must be https with a path (draft-ietf-oauth-client-id-metadata-document). */
function parseClientMetadataUrl(raw: string): string {
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (!url || url.protocol !== 'https:' || url.pathname === '/') {
    throw new UsageError(`--client-metadata-url "${raw}" is not an https URL with a path.`, 'Example: --client-metadata-url https://example.com/mcp-client.json');
  }
  return url.href;
}

function flowOf(options: RawOptions): SignInOptions['flow'] {
  if (options.deviceCode && options.clientCredentials) throw new UsageError('--device-code and --client-credentials exclude each other.', 'Choose the one your client is registered for.');
  return options.deviceCode ? 'device' : options.clientCredentials ? 'client-credentials' : 'browser';
}

function parseAuthorizeParams(entries: string[]): Record<string, string> {
  const params: Record<string, string> = {};
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    if (eq < 1) throw new UsageError(`--authorize-param "${entry}" is not of the form key=value.`, 'Example: --authorize-param audience=https://api.example.com');
    params[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return params;
}

export function proxyOptions(command: Command): Command {
  return command
    .option('--header <header>', 'send "Name: value" with every request to the server; ${VAR} is read from the environment (repeatable)', collect, [])
    .option('--header-file <path>', 'read headers from a file, one "Name: value" per line (# comments, ${VAR} allowed); --header wins')
    .option('--allow-http', 'allow plain http:// for the server and authorization server (loopback is always allowed)')
    .option('--static-oauth-client-info <json|@file>', 'a client registered at the identity provider: {"client_id", "client_secret"?, "redirect_uris"?, "token_endpoint_auth_method"?, "scope"?}')
    .option('--static-oauth-client-metadata <json|@file>', 'extra client metadata merged into dynamic client registration')
    .option('--client-metadata-url <url>', 'HTTPS URL of this client\'s metadata document, used as its client id where the server supports it (before dynamic registration)')
    .option('--host <host>', 'host name of the sign-in callback (redirect URI); the listener binds loopback only', 'localhost')
    .option('--callback-path <path>', 'path of the sign-in callback (redirect URI)', '/oauth/callback')
    .option('--auth-timeout <seconds>', 'how long to wait for the browser sign-in', positiveSeconds, 300)
    .option('--initialize-hold <seconds>', 'how long the IDE\'s start-up may wait for a sign-in before mcp-tether answers it (default: per IDE, see the README; 0 = at once)', nonNegativeSeconds)
    .option('--scope <scopes>', 'scopes to request, space-separated (default: what the server asks for)')
    .option('--resource <uri>', 'resource indicator (RFC 8707) to send instead of the server\'s own')
    .option('--disable-resource-parameter', 'send no resource indicator (Microsoft Entra ID v2 rejects it)')
    .option('--authorize-param <key=value>', 'extra authorization request parameter, e.g. audience=... for Auth0 (repeatable)', collect, [])
    .option('--assume-pkce-s256', 'sign in even though the authorization server does not advertise PKCE S256 (Amazon Cognito)')
    .option('--use-id-token', 'send the ID token as the bearer token instead of the access token (Cognito access tokens carry no audience)')
    .option('--device-code', 'sign in with a code on another device (RFC 8628) instead of a browser on this machine')
    .option('--client-credentials', 'no user: a machine client gets tokens with its own credentials (needs client_id and client_secret)')
    .addOption(new Option('--token-store <store>', 'where credentials are kept: auto = the OS keychain, falling back to a file with a notice').choices(STORE_CHOICES).default('auto'))
    .addOption(new Option('--transport <mode>', 'http-first falls back to the legacy HTTP+SSE transport when the server rejects Streamable HTTP').choices(TRANSPORT_MODES).default('http-first'))
    .option('--ignore-tool <glob>', 'hide tools whose name matches ("*" and "?" wildcards) from the IDE (repeatable)', collect, [])
    .option('--allow-tool <glob>', 'show only tools whose name matches (repeatable)', collect, [])
    .option('--ca-file <path>', 'trust the certificate authorities in this PEM file too (NODE_EXTRA_CA_CERTS works as well)')
    .option('--enable-proxy', 'accepted for mcp-remote compatibility: HTTP_PROXY, HTTPS_PROXY and NO_PROXY are always honoured')
    .option('--debug', 'verbose diagnostics on stderr (secrets are never printed)')
    .option('--silent', 'print nothing on stderr except fatal errors and sign-in URLs');
}

export function toConfig(serverUrlRaw: string, callbackPortRaw: string | undefined, options: RawOptions, env: NodeJS.ProcessEnv): Config {
  const allowHttp = options.allowHttp === true;
  const staticClientInfo = options.staticOauthClientInfo === undefined ? undefined : readJsonArgument('--static-oauth-client-info', options.staticOauthClientInfo);
  const metadata = options.staticOauthClientMetadata === undefined ? {} : readJsonArgument('--static-oauth-client-metadata', options.staticOauthClientMetadata);
  if (typeof metadata !== 'object' || metadata === null || Array.isArray(metadata)) {
    throw new UsageError('--static-oauth-client-metadata must be a JSON object.', 'Example: --static-oauth-client-metadata \'{"client_name":"My IDE"}\'');
  }
  const callbackPort = parseCallbackPort(callbackPortRaw);
  return {
    serverUrl: parseServerUrl(serverUrlRaw, allowHttp),
    ...(callbackPort === undefined ? {} : { callbackPort }),
    headers: { ...(options.headerFile ? parseHeaderFile(options.headerFile, env) : {}), ...parseHeaders(options.header, env) },
    signIn: {
      allowHttp,
      clientMetadata: metadata as Record<string, unknown>,
      ...(options.clientMetadataUrl ? { clientMetadataUrl: parseClientMetadataUrl(options.clientMetadataUrl) } : {}),
      callback: {
        host: options.host,
        path: options.callbackPath.startsWith('/') ? options.callbackPath : `/${options.callbackPath}`,
        ...(callbackPort === undefined ? {} : { port: callbackPort }),
      },
      authTimeoutMs: options.authTimeout * 1000,
      ...(options.scope ? { scope: options.scope } : {}),
      ...(options.resource ? { resource: options.resource } : {}),
      disableResource: options.disableResourceParameter === true,
      authorizeParams: parseAuthorizeParams(options.authorizeParam),
      assumePkce: options.assumePkceS256 === true,
      useIdToken: options.useIdToken === true,
      flow: flowOf(options),
    },
    ...(options.initializeHold === undefined ? {} : { initializeHoldMs: Math.round(options.initializeHold * 1000) }),
    ...(staticClientInfo === undefined ? {} : { staticClientInfo }),
    tokenStore: options.tokenStore,
    transport: options.transport,
    ignoreTools: options.ignoreTool,
    allowTools: options.allowTool,
    ...(options.caFile ? { caFile: options.caFile } : {}),
    logLevel: options.debug ? 'debug' : options.silent ? 'silent' : 'info',
  };
}

export interface Commands {
  proxy: (config: Config) => Promise<void>;
  login: (config: Config) => Promise<void>;
  logout: (serverUrl: string | undefined, options: { all?: boolean; debug?: boolean }) => Promise<void>;
  status: (options: { json?: boolean }) => Promise<void>;
}

export function buildProgram(version: string, commands: Commands, env: NodeJS.ProcessEnv): Command {
  const program = new Command('mcp-tether')
    .description('Connect an IDE that speaks stdio MCP to a remote, OAuth-protected MCP server (Streamable HTTP).\nSigns in through your browser once; keeps tokens in the OS keychain and refreshes them.')
    .version(version, '-v, --version')
    .argument('<server-url>', 'the remote MCP server, e.g. https://gateway.example/mcp')
    .argument('[callback-port]', 'port of the sign-in callback (redirect URI); default: the client\'s registered one, else a free port')
    .enablePositionalOptions()
    .showHelpAfterError('(run mcp-tether --help to see every option)')
    .configureOutput({ writeErr: (text) => process.stderr.write(text) })
    .exitOverride();
  proxyOptions(program);
  program.addHelpText('after', `
Examples:
  mcp-tether https://gateway.example/mcp
  mcp-tether https://gateway.example/mcp 3334 --static-oauth-client-info '{"client_id":"abc123"}'
  mcp-tether login https://gateway.example/mcp
  mcp-tether status

Exit codes: 0 done, 1 failure, 2 bad command line, 3 sign-in failed.`);
  program.action(async (serverUrl: string, callbackPort: string | undefined, options: RawOptions) => {
    await commands.proxy(toConfig(serverUrl, callbackPort, options, env));
  });

  const login = program
    .command('login')
    .description('sign in to a server now, before an IDE needs it (takes the same options as the proxy)')
    .argument('<server-url>', 'the remote MCP server')
    .argument('[callback-port]', 'port of the sign-in callback')
    .exitOverride();
  proxyOptions(login).action(async (serverUrl: string, callbackPort: string | undefined, options: RawOptions) => {
    await commands.login(toConfig(serverUrl, callbackPort, options, env));
  });

  program
    .command('logout')
    .description('revoke the tokens at the authorization server (where it offers revocation) and delete everything stored for a server')
    .argument('[server-url]', 'the server to sign out of')
    .option('--all', 'sign out of every server')
    .option('--debug', 'verbose diagnostics on stderr')
    .exitOverride()
    .action(async (serverUrl: string | undefined, options: { all?: boolean; debug?: boolean }) => {
      await commands.logout(serverUrl, options);
    });

  program
    .command('status')
    .description('list the servers mcp-tether holds credentials for: authorization server, client, scopes, expiry, store (never a secret)')
    .option('--json', 'machine-readable output')
    .exitOverride()
    .action(async (options: { json?: boolean }) => {
      await commands.status(options);
    });
  return program;
}
