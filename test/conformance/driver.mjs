// The --command of the MCP conformance suites: starts mcp-tether on the scenario's server URL (the last argument)
// and plays the IDE over stdio (initialize, tools/list, tools/call, close); exits 0 only if every answer was a result.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const repo = join(here, '..', '..');
const cli = join(repo, 'bin', 'mcp-tether.js');
const browser = join(here, 'browser.mjs');

const serverUrl = process.argv.at(-1);
const scenario = process.env.MCP_CONFORMANCE_SCENARIO ?? '';
const context = parseContext(process.env.MCP_CONFORMANCE_CONTEXT);
/** Stays under the conformance runner's own 30 s default, so that we report instead of being killed. */
const deadlineMs = Number(process.env.CONFORMANCE_DRIVER_TIMEOUT_MS ?? 25_000);
const CIMD_CLIENT_ID = 'https://conformance-test.local/client-metadata.json';

const started = Date.now();

function say(line) {
  process.stderr.write(`driver +${Date.now() - started}ms: ${line}\n`);
}

function parseContext(text) {
  if (!text) return {};
  try {
    const value = JSON.parse(text);
    return typeof value === 'object' && value !== null ? value : {};
  } catch {
    say(`MCP_CONFORMANCE_CONTEXT is not JSON: ${text}`);
    return {};
  }
}

/** mcp-tether's options for this scenario, from its name and context. */
function cliFlags() {
  // This IDE gives every request deadlineMs and never lists again, so it tells mcp-tether its real timeout, as a user
  // of an IDE missing from mcp-tether's table would (--initialize-hold).
  const holdSeconds = String(Math.floor((deadlineMs * 0.9) / 1000));
  const flags = ['--token-store', 'memory', '--auth-timeout', String(Math.ceil(deadlineMs / 1000)), '--initialize-hold', holdSeconds];
  if (typeof context.client_id === 'string' && typeof context.client_secret === 'string') {
    flags.push('--static-oauth-client-info', JSON.stringify({ client_id: context.client_id, client_secret: context.client_secret }));
  } else if (typeof context.client_id === 'string' && typeof context.valid_jwt === 'string') {
    // Workload identity: the platform writes its token to a file the job reads (as Kubernetes and CI runners do).
    const tokenFile = join(mkdtempSync(join(tmpdir(), 'conformance-wif-')), 'token');
    writeFileSync(tokenFile, context.valid_jwt, { mode: 0o600 });
    flags.push('--static-oauth-client-info', JSON.stringify({ client_id: context.client_id }), '--jwt-bearer-assertion', tokenFile);
  } else if (typeof context.client_id === 'string' && typeof context.private_key_pem === 'string') {
    // A client registered with its public key: the user keeps the private key in a file (private_key_jwt).
    const keyFile = join(mkdtempSync(join(tmpdir(), 'conformance-key-')), 'client-key.pem');
    writeFileSync(keyFile, context.private_key_pem, { mode: 0o600 });
    flags.push('--static-oauth-client-info', JSON.stringify({ client_id: context.client_id }), '--client-private-key', keyFile);
  } else if (typeof context.client_id === 'string') {
    say(`context carries client_id ${context.client_id} without a client_secret (keys: ${Object.keys(context).join(', ')}); mcp-tether has no option for it`);
  }
  if (typeof context.idp_issuer === 'string' && typeof context.idp_id_token === 'string') {
    // Enterprise-managed authorization: the company's SSO agent keeps the user's ID token where mcp-tether reads it.
    const tokenFile = join(mkdtempSync(join(tmpdir(), 'conformance-idp-')), 'id-token');
    writeFileSync(tokenFile, context.idp_id_token, { mode: 0o600 });
    flags.push('--enterprise-idp', context.idp_issuer, '--enterprise-idp-client', JSON.stringify({ client_id: context.idp_client_id }), '--enterprise-id-token', tokenFile);
  }
  // A machine client: the user configures the grant, as a CI job or a headless agent would.
  if (scenario.includes('client-credentials')) flags.push('--client-credentials');
  if (scenario.includes('cimd')) {
    const help = spawnSync(process.execPath, [cli, '--help'], { encoding: 'utf8' }).stdout ?? '';
    if (help.includes('--client-metadata-url')) flags.push('--client-metadata-url', CIMD_CLIENT_ID);
    else say(`mcp-tether has no --client-metadata-url option: cannot offer the client id ${CIMD_CLIENT_ID}`);
  }
  if (process.env.CONFORMANCE_CLI_DEBUG) flags.push('--debug');
  return flags;
}

/** A value that satisfies a JSON Schema well enough for a conformance tool: required properties only. */
function sample(schema) {
  if (!schema || typeof schema !== 'object') return {};
  if (schema.const !== undefined) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (schema.default !== undefined) return schema.default;
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case 'string':
      return 'conformance';
    case 'integer':
    case 'number':
      return typeof schema.minimum === 'number' ? schema.minimum : 1;
    case 'boolean':
      return true;
    case 'array':
      return [];
    case 'null':
      return null;
    default: {
      const args = {};
      for (const name of Array.isArray(schema.required) ? schema.required : []) args[name] = sample(schema.properties?.[name]);
      // Optional text the way users type it: non-ASCII, with a trailing space (exercises header encoding).
      for (const [name, property] of Object.entries(schema.properties ?? {})) {
        if (!(name in args) && property?.type === 'string' && property.default === undefined) args[name] = 'Grüße aus dem Editor ';
      }
      return args;
    }
  }
}

async function main() {
  if (!serverUrl || !/^https?:\/\//.test(serverUrl)) {
    say(`expected the server URL as the last argument, got ${serverUrl}`);
    return 2;
  }
  const home = mkdtempSync(join(tmpdir(), 'tether-conformance-'));
  const browserLog = join(home, 'browser.log');
  const env = { ...process.env, HOME: home, XDG_STATE_HOME: join(home, 'state'), XDG_CONFIG_HOME: join(home, 'config'), XDG_CACHE_HOME: join(home, 'cache'), BROWSER: browser, CONFORMANCE_BROWSER_LOG: browserLog, CONFORMANCE_T0: String(started) };
  // No desktop: xdg-open then runs $BROWSER instead of asking a desktop environment.
  for (const name of ['DISPLAY', 'WAYLAND_DISPLAY', 'XDG_CURRENT_DESKTOP', 'DESKTOP_SESSION', 'KDE_FULL_SESSION', 'GNOME_DESKTOP_SESSION_ID', 'XDG_SESSION_DESKTOP']) delete env[name];
  const args = [cli, serverUrl, ...cliFlags()];
  say(`scenario ${scenario || '(none)'}: mcp-tether ${args.slice(1).map((a) => (/\s|"/.test(a) ? `'${a}'` : a)).join(' ')}`);

  const child = spawn(process.execPath, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
  child.stderr.on('data', (chunk) => {
    process.stderr.write(chunk);
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
  child.stdin.on('error', () => undefined);

  const pending = new Map();
  const failures = [];
  let nextId = 1;
  let buffer = '';
  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk) => {
    buffer += chunk;
    let newline;
    while ((newline = buffer.indexOf('\n')) >= 0) {
      const line = buffer.slice(0, newline).trim();
      buffer = buffer.slice(newline + 1);
      if (line) fromCli(line);
    }
  });

  function send(message) {
    child.stdin.write(`${JSON.stringify(message)}\n`);
  }

  function fromCli(line) {
    let message;
    try {
      message = JSON.parse(line);
    } catch {
      failures.push(`stdout line that is not JSON: ${line.slice(0, 200)}`);
      return;
    }
    if (message.method !== undefined && message.id !== undefined) {
      // A request from the server: answer as a minimal IDE would.
      say(`server request ${message.method}`);
      if (message.method === 'ping') send({ jsonrpc: '2.0', id: message.id, result: {} });
      else if (message.method === 'roots/list') send({ jsonrpc: '2.0', id: message.id, result: { roots: [] } });
      else if (message.method === 'elicitation/create') {
        send({ jsonrpc: '2.0', id: message.id, result: { action: 'accept', content: sample(message.params?.requestedSchema) } });
      } else if (message.method === 'sampling/createMessage') {
        send({ jsonrpc: '2.0', id: message.id, result: { role: 'assistant', content: { type: 'text', text: 'conformance' }, model: 'conformance-driver' } });
      }
      else send({ jsonrpc: '2.0', id: message.id, error: { code: -32601, message: `Method not found: ${message.method}` } });
      return;
    }
    if (message.method !== undefined) {
      // A notification: this IDE acts on none (list_changed included).
      return;
    }
    const waiter = pending.get(message.id);
    if (!waiter) {
      failures.push(`response with an unknown id: ${line.slice(0, 200)}`);
      return;
    }
    pending.delete(message.id);
    waiter(message);
  }

  function request(method, params) {
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        pending.delete(id);
        reject(new Error(`no answer to ${method} within ${deadlineMs} ms`));
      }, deadlineMs);
      pending.set(id, (message) => {
        clearTimeout(timer);
        if ('result' in message) resolve(message.result);
        else reject(new Error(`${method} answered with an error: ${JSON.stringify(message.error)}`));
      });
      send({ jsonrpc: '2.0', id, method, params });
    });
  }

  const early = exited.then(({ code, signal }) => {
    throw new Error(`mcp-tether exited early (code ${code}, signal ${signal})`);
  });
  const conversation = (async () => {
    // The IDE's own dialect: IDEs speak the 2025-11-25 lifecycle over stdio whatever the server speaks; mcp-tether bridges.
    const protocolVersion = process.env.CONFORMANCE_IDE_PROTOCOL_VERSION ?? '2025-11-25';
    const init = await request('initialize', {
      protocolVersion,
      capabilities: { elicitation: { form: {} }, sampling: {}, roots: {} },
      clientInfo: { name: 'mcp-tether-conformance-driver', version: '1.0.0' },
    });
    say(`initialize: protocolVersion ${init?.protocolVersion}`);
    send({ jsonrpc: '2.0', method: 'notifications/initialized' });
    // A simple IDE (as Codex is): it lists once and never again, whatever list_changed says; mcp-tether must hold
    // its start-up until the sign-in is done for the server's tools to be in this one list.
    const listed = await request('tools/list', {});
    const tools = Array.isArray(listed?.tools) ? listed.tools : [];
    say(`tools/list: ${tools.map((t) => t.name).join(', ') || '(none)'}`);
    // An IDE may call any of the tools: call each once. A schema-echo tool (json-schema-2020-12-preservation) gets the
    // other tool's inputSchema as this IDE received it, which shows whether anything on the way changed it.
    const echo = tools.find((tool) => tool.name === 'json_schema_echo');
    const focal = tools.find((tool) => tool !== echo);
    for (const tool of tools) {
      const args = tool === echo && focal ? { schema: focal.inputSchema } : sample(tool.inputSchema);
      const result = await request('tools/call', { name: tool.name, arguments: args });
      say(`tools/call ${tool.name}: ${result?.isError ? 'isError' : 'ok'}`);
    }
  })();
  conversation.catch(() => undefined);
  try {
    await Promise.race([conversation, early]);
  } catch (error) {
    failures.push(error instanceof Error ? error.message : String(error));
  }
  early.catch(() => undefined);

  child.stdin.end();
  const timer = setTimeout(() => child.kill('SIGTERM'), 5_000);
  const { code, signal } = await exited;
  clearTimeout(timer);
  if (code !== 0 && !failures.some((f) => f.startsWith('mcp-tether exited early'))) failures.push(`mcp-tether exited with code ${code}${signal ? `, signal ${signal}` : ''}`);
  try {
    const log = readFileSync(browserLog, 'utf8').trimEnd();
    if (log) process.stderr.write(`${log}\n`);
  } catch {
    say('the browser was not opened');
  }
  rmSync(home, { recursive: true, force: true });
  for (const failure of failures) say(`FAILED: ${failure}`);
  say(failures.length === 0 ? 'all answers were results' : `${failures.length} failure(s)`);
  return failures.length === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    say(`crashed: ${error instanceof Error ? error.stack : String(error)}`);
    process.exit(1);
  },
);
