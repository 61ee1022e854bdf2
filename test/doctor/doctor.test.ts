// `mcp-tether doctor`, run as a user runs it, against setups that each break one link of the sign-in chain: the
// failing step names its code and fix, the steps that depend on it are skipped, and a healthy setup passes every step,
// --sign-in included (headless Chromium as the browser). One stack per describe; cases of one kind share it.
import { execFileSync } from 'node:child_process';
import { createServer, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBridgeServer, type BridgeServer } from '../fixtures/bridge-server.js';
import { startHttpProxy } from '../fixtures/http-proxy.js';
import { COGNITO_CUSTOM_SCOPE } from '../fixtures/provider-profiles.js';
import { startStack, type Stack } from '../fixtures/stack.js';
import { createTestCa, type TestCa } from '../fixtures/test-ca.js';
import { runCli } from '../helpers/cli.js';
import { workspace, type Workspace } from '../helpers/ide.js';
import { privateKeyring, type PrivateKeyring } from '../helpers/keyring.js';
import { freePort, listenOnLoopback } from '../helpers/net.js';
import { stateDirOf } from '../helpers/secrets.js';
import { readServerState } from '../../src/store/server-state.js';
import { entryName } from '../../src/store/sign-in-record.js';
import type { SecretRecord } from '../../src/store/secret-store.js';

interface StepJson {
  name: string;
  title: string;
  outcome: 'ok' | 'warn' | 'fail' | 'skipped';
  details: string[];
  error?: { code: string; message: string; fix: string };
}

interface Doctor {
  code: number | null;
  text: string;
  stderr: string;
  steps: StepJson[];
  step(name: string): StepJson;
}

/** Runs doctor twice as cheaply as once: --json for the assertions, the text for what a person reads. */
async function doctor(ws: Workspace, args: string[], env: Record<string, string> = {}): Promise<Doctor> {
  const json = await runCli(ws, ['doctor', ...args, '--json'], env, 120_000);
  let parsed: { steps: StepJson[] };
  try {
    parsed = JSON.parse(json.stdout) as { steps: StepJson[] };
  } catch {
    throw new Error(`doctor printed no JSON (exit ${json.code}):\n${json.stdout}\n${json.stderr}`);
  }
  const text = await runCli(ws, ['doctor', ...args.filter((arg) => arg !== '--sign-in')], env, 120_000);
  return {
    code: json.code,
    text: text.stdout,
    stderr: json.stderr,
    steps: parsed.steps,
    step(name) {
      const found = parsed.steps.find((step) => step.name === name);
      if (!found) throw new Error(`no step ${name}: ${JSON.stringify(parsed.steps.map((s) => s.name))}`);
      return found;
    },
  };
}

/** The failing step names its code and fix; every step after it that depends on it is skipped, saying why. */
function expectBreaksAt(result: Doctor, name: string, code: string, fix: RegExp, dependants: string[]): void {
  const failed = result.step(name);
  expect(failed.outcome, JSON.stringify(result.steps, null, 2)).toBe('fail');
  expect(failed.error?.code).toBe(code);
  expect(failed.error?.fix).toMatch(fix);
  for (const dependant of dependants) {
    expect(result.step(dependant).outcome, dependant).toBe('skipped');
    expect(result.step(dependant).details.join(' ')).toMatch(/not run: ".*" failed/);
  }
  expect(result.code).toBe(1);
  expect(result.text).toContain(`[${code}]`);
  expect(result.text).toMatch(/The chain breaks at/);
}

/** The record stored for `serverUrl` in a private keyring, read with libsecret's own tool. */
function privateRecord(ws: Workspace, serverUrl: string, keyring: PrivateKeyring): SecretRecord | undefined {
  const state = readServerState(stateDirOf(ws.home), serverUrl);
  if (!state) return undefined;
  const raw = execFileSync('secret-tool', ['lookup', 'service', 'mcp-tether', 'username', entryName(state)], { env: { ...process.env, ...keyring.env }, encoding: 'utf8' });
  return raw ? (JSON.parse(raw) as SecretRecord) : undefined;
}

/** A loopback HTTP server answering with `handler`. */
async function serve(handler: (path: string, res: ServerResponse, base: string) => void): Promise<{ url: string; close: () => Promise<void> }> {
  let base = '';
  const server: Server = createServer((req, res) => {
    req.resume();
    handler(req.url ?? '/', res, base);
  });
  base = await listenOnLoopback(server);
  return { url: base, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

describe('a healthy server, then its keychain locked', () => {
  let stack: Stack;
  let keyring: PrivateKeyring;
  let ws: Workspace;
  beforeAll(async () => {
    stack = await startStack();
    keyring = await privateKeyring();
    ws = workspace(keyring.env);
  });
  afterAll(async () => {
    keyring.close();
    await stack.close();
  });

  it('passes every step with --sign-in through the browser, prints no secret, and exits 0', async () => {
    const result = await doctor(ws, [stack.mcp.url, '--sign-in', '--debug']);
    expect(result.code, JSON.stringify(result.steps, null, 2)).toBe(0);
    expect(result.steps.filter((step) => step.outcome === 'fail')).toEqual([]);
    for (const name of ['options', 'dns', 'tcp', 'endpoint', 'challenge', 'prm', 'as', 'pkce', 'client', 'keychain', 'sign-in', 'mcp', 'claims']) {
      expect(['ok', 'warn'], name).toContain(result.step(name).outcome);
    }
    expect(result.step('prm').details.join(' ')).toContain(`resource ${stack.mcp.url} matches`);
    expect(result.step('as').details.join(' ')).toContain(`issuer ${stack.as.issuer} equals`);
    expect(result.step('mcp').details.join(' ')).toMatch(/tools\/list: \d+ tool\(s\): .*whoami/);
    expect(result.step('claims').details.join('\n')).toContain(`aud: ${stack.mcp.url}`);
    expect(stack.as.counts.codeGrants).toBe(1);
    // The text run (without --sign-in) reads the stored sign-in and says the chain works.
    expect(result.text).toMatch(/The chain works\./);
    expect(result.text).not.toContain('[redacted]'); // nothing of doctor's own words is taken for a secret
    expect(result.step('challenge').details.join(' ')).toMatch(/schemes: \[bearer\].*resource_metadata: http/);
    expect(result.text).toMatch(/\[ok {2}\] stored credentials for this server\n\s+account: +alice\n\s+authorization server: /);
    const tokens = privateRecord(ws, stack.mcp.url, keyring)?.tokens;
    expect(tokens?.access_token).toBeTruthy();
    for (const secret of [tokens?.access_token, tokens?.refresh_token, tokens?.id_token].filter((value): value is string => value !== undefined)) {
      expect(result.text + JSON.stringify(result.steps) + result.stderr).not.toContain(secret);
    }
  }, 180_000);

  it('a locked keychain: the keychain step fails with TETHER_KEYCHAIN_LOCKED and the stored credentials are not read', async () => {
    keyring.lock();
    try {
      const result = await doctor(ws, [stack.mcp.url]);
      expectBreaksAt(result, 'keychain', 'TETHER_KEYCHAIN_LOCKED', /Unlock the keychain/, ['stored']);
      expect(result.step('as').outcome).toBe('ok'); // the network side does not depend on it
    } finally {
      await keyring.unlock();
    }
  }, 120_000);

  it('a wrong path: the endpoint fails with TETHER_NOT_MCP_ENDPOINT naming /mcp, and no authorization step runs', async () => {
    const wrong = stack.mcp.url.replace(/\/mcp$/, '/api');
    const result = await doctor(workspace(keyring.env), [wrong]);
    expectBreaksAt(result, 'endpoint', 'TETHER_NOT_MCP_ENDPOINT', /\/mcp/, ['challenge', 'prm', 'as', 'client', 'authorize']);
    expect(result.step('endpoint').error?.message).toMatch(/HTTP 404/);
    // A bad option is refused exactly as the proxy refuses it, before any step.
    const bad = await runCli(workspace(keyring.env), ['doctor', stack.mcp.url, '--scopes', 'x']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('[TETHER_UNKNOWN_OPTION]');
    expect(bad.stdout).toBe('');
  }, 60_000);
});

describe('authorization server metadata that breaks one link', () => {
  let stack: Stack;
  let edit: (doc: Record<string, unknown>) => Record<string, unknown> = (doc) => doc;
  let port: number;
  beforeAll(async () => {
    port = await freePort();
    stack = await startStack({
      editMetadata: (doc) => edit(doc),
      clients: [
        { client_id: 'registered-elsewhere', redirect_uris: ['http://localhost:9/elsewhere'], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] },
        { client_id: 'registered-here', redirect_uris: [`http://localhost:${port}/oauth/callback`], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] },
      ],
    });
  });
  afterAll(async () => {
    await stack.close();
  });
  const without = (...keys: string[]) => (doc: Record<string, unknown>) => Object.fromEntries(Object.entries(doc).filter(([key]) => !keys.includes(key)));

  it('an issuer that is not the one named: TETHER_METADATA_INVALID, with --accept-issuer as the way past', async () => {
    edit = (doc) => ({ ...doc, issuer: `${stack.as.issuer}/elsewhere` });
    const result = await doctor(workspace(), [stack.mcp.url]);
    expectBreaksAt(result, 'as', 'TETHER_METADATA_INVALID', /--accept-issuer/, ['pkce', 'client', 'auth', 'scopes', 'authorize']);
    expect(result.step('as').error?.message).toContain(`names issuer "${stack.as.issuer}/elsewhere"`);
    const accepted = await doctor(workspace(), [stack.mcp.url, '--accept-issuer', `${stack.as.issuer}/elsewhere`]);
    expect(accepted.step('as').outcome).toBe('warn');
    expect(accepted.step('as').details.join(' ')).toContain(`--accept-issuer: the metadata names ${stack.as.issuer}/elsewhere`);
    expect(accepted.step('pkce').outcome).toBe('ok');
  }, 60_000);

  it('no PKCE advertised: TETHER_NO_PKCE naming --assume-pkce-s256; with it, a warning only', async () => {
    edit = without('code_challenge_methods_supported');
    const result = await doctor(workspace(), [stack.mcp.url]);
    expectBreaksAt(result, 'pkce', 'TETHER_NO_PKCE', /--assume-pkce-s256/, []);
    expect(result.step('client').outcome).toBe('ok');
    const assumed = await doctor(workspace(), [stack.mcp.url, '--assume-pkce-s256']);
    expect(assumed.step('pkce').outcome).toBe('warn');
    expect(assumed.code).toBe(0);
  }, 60_000);

  it('no registration and no client given: TETHER_NO_DCR saying exactly what to register, with the redirect URI', async () => {
    edit = without('registration_endpoint');
    const result = await doctor(workspace(), [stack.mcp.url, '3334']);
    expectBreaksAt(result, 'client', 'TETHER_NO_DCR', /Register a client at the provider with the redirect URI http:\/\/localhost:3334\/oauth\/callback .*--static-oauth-client-info/, ['authorize']);
  }, 60_000);

  it('a client registered with another redirect URI: the authorization request is refused, TETHER_REDIRECT_URI_MISMATCH; the right one passes', async () => {
    edit = (doc) => doc;
    const refused = await doctor(workspace(), [stack.mcp.url, String(port), '--static-oauth-client-info', '{"client_id":"registered-elsewhere"}', '--sign-in']);
    expectBreaksAt(refused, 'authorize', 'TETHER_REDIRECT_URI_MISMATCH', new RegExp(`http://localhost:${port}/oauth/callback`), ['sign-in', 'mcp', 'claims']);
    const accepted = await doctor(workspace(), [stack.mcp.url, String(port), '--static-oauth-client-info', '{"client_id":"registered-here"}']);
    expect(accepted.step('authorize').outcome).toBe('ok');
    expect(accepted.code).toBe(0);
  }, 90_000);
});

describe('servers that do not describe their authorization', () => {
  const closers: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const close of closers) await close();
  });

  it('401 without a challenge and without any metadata: TETHER_METADATA_INVALID at the authorization server step', async () => {
    const server = await serve((path, res) => (path === '/mcp' ? res.writeHead(401).end() : res.writeHead(404).end()));
    closers.push(server.close);
    const result = await doctor(workspace(), [`${server.url}/mcp`]);
    expect(result.step('challenge').outcome).toBe('warn');
    expect(result.step('prm').outcome).toBe('warn');
    expectBreaksAt(result, 'as', 'TETHER_METADATA_INVALID', /resource_metadata in the WWW-Authenticate challenge/, ['pkce', 'client', 'authorize']);
    expect(result.step('as').error?.message).toContain('without a WWW-Authenticate challenge');
  }, 60_000);

  it('resource metadata for another resource: TETHER_METADATA_INVALID at the resource metadata step', async () => {
    const server = await serve((path, res, base) => {
      if (path === '/mcp') res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="${base}/.well-known/oauth-protected-resource/mcp"` }).end();
      else if (path === '/.well-known/oauth-protected-resource/mcp') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ resource: 'https://elsewhere.example/mcp', authorization_servers: [base] }));
      else res.writeHead(404).end();
    });
    closers.push(server.close);
    const result = await doctor(workspace(), [`${server.url}/mcp`]);
    expect(result.step('challenge').outcome).toBe('ok');
    expectBreaksAt(result, 'prm', 'TETHER_METADATA_INVALID', /"resource"/, ['as', 'pkce', 'client', 'authorize']);
    expect(result.step('prm').error?.message).toContain('is for "https://elsewhere.example/mcp"');
  }, 60_000);
});

describe('a server behind a certificate from a private authority', () => {
  let ca: TestCa;
  let server: BridgeServer;
  beforeAll(async () => {
    ca = createTestCa();
    server = await startBridgeServer({ tls: { key: ca.key, cert: ca.cert } });
  });
  afterAll(async () => {
    await server.close();
    ca.remove();
  });

  it('untrusted: the TLS step fails with TETHER_TLS_UNTRUSTED naming --ca-file; with --ca-file it passes, and no sign-in is needed', async () => {
    const untrusted = await doctor(workspace(), [server.url], { NODE_EXTRA_CA_CERTS: '' });
    expectBreaksAt(untrusted, 'tls', 'TETHER_TLS_UNTRUSTED', /--ca-file/, ['endpoint', 'challenge', 'prm']);
    expect(untrusted.step('tls').details.join(' ')).toContain('issued by mcp-tether test CA');
    const trusted = await doctor(workspace(), [server.url, '--ca-file', ca.caFile], { NODE_EXTRA_CA_CERTS: '' });
    expect(trusted.step('tls').outcome).toBe('ok');
    expect(trusted.step('tls').details.join(' ')).toContain(`--ca-file ${ca.caFile}`);
    expect(trusted.step('endpoint').details.join(' ')).toContain('no sign-in is needed');
    expect(trusted.step('prm').details.join(' ')).toMatch(/not needed/);
    expect(trusted.code).toBe(0);
  }, 60_000);

  it('through HTTPS_PROXY: the proxy step names it, the connection checked is the proxy\'s, and the server is reached through it', async () => {
    const proxy = await startHttpProxy();
    try {
      const result = await doctor(workspace(), [server.url, '--ca-file', ca.caFile], { HTTPS_PROXY: proxy.url, NO_PROXY: '', NODE_EXTRA_CA_CERTS: '' });
      expect(result.step('proxy').details.join(' ')).toContain(`go through ${proxy.url}`);
      expect(result.step('tcp').title).toContain('the proxy 127.0.0.1');
      expect(result.step('tls').outcome).toBe('skipped');
      expect(result.step('endpoint').outcome).toBe('ok');
      expect(proxy.connects).toContain(new URL(server.url).host);
      const exempt = await doctor(workspace(), [server.url, '--ca-file', ca.caFile], { HTTPS_PROXY: proxy.url, NO_PROXY: '127.0.0.1', NODE_EXTRA_CA_CERTS: '' });
      expect(exempt.step('proxy').details.join(' ')).toContain('none: requests go directly');
      expect(exempt.step('tls').outcome).toBe('ok');
    } finally {
      await proxy.close();
    }
  }, 60_000);
});

describe('a gateway behind Amazon Cognito that checks the audience', () => {
  const CLIENT_ID = '5tetherappclient0cognito';
  const CLIENT_SECRET = 'cognito-app-client-secret-for-tests';
  let stack: Stack;
  let args: string[];
  beforeAll(async () => {
    const port = await freePort();
    const redirectUri = `http://localhost:${port}/oauth/callback`;
    stack = await startStack({
      profile: 'cognito',
      idTokenAudience: CLIENT_ID,
      clients: [{ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [redirectUri], token_endpoint_auth_method: 'client_secret_basic', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'], scope: `openid profile email ${COGNITO_CUSTOM_SCOPE}` }],
    });
    args = [stack.mcp.url, String(port), '--static-oauth-client-info', JSON.stringify({ client_id: CLIENT_ID, client_secret: CLIENT_SECRET, redirect_uris: [redirectUri] }), '--assume-pkce-s256', '--scope', `openid profile email ${COGNITO_CUSTOM_SCOPE}`];
  });
  afterAll(async () => {
    await stack.close();
  });

  it('the access token has no aud: the call is refused and the claims step says --use-id-token or allowedClients; with --use-id-token the chain works', async () => {
    const ws = workspace();
    const result = await doctor(ws, [...args, '--sign-in']);
    expect(result.step('sign-in').outcome).toBe('ok');
    expect(result.step('mcp').error?.code).toBe('TETHER_CREDENTIALS_REFUSED');
    const claims = result.step('claims');
    expect(claims.outcome).toBe('fail');
    expect(claims.details.join('\n')).toContain('aud: (none)');
    expect(claims.error?.code).toBe('TETHER_CREDENTIALS_REFUSED');
    expect(claims.error?.fix).toMatch(/no aud \(Amazon Cognito\): use --use-id-token, or configure allowedClients/);
    expect(result.code).toBe(1);
    expect(result.text + JSON.stringify(result.steps)).not.toContain(CLIENT_SECRET);

    const fixed = await doctor(ws, [...args, '--use-id-token', '--sign-in']);
    expect(fixed.step('mcp').outcome, JSON.stringify(fixed.steps, null, 2)).toBe('ok');
    expect(fixed.step('claims').details.join('\n')).toContain(`aud: ${CLIENT_ID}`);
    expect(fixed.code).toBe(0);
  }, 180_000);
});

describe('options the proxy refuses', () => {
  it('with --json still prints a report: the options step failed with the refusal, and the exit code is the refusal\'s', async () => {
    const ws = workspace();
    for (const [args, code] of [
      [['https://gw.example/mcp', '--auth-timeout', 'soon'], 'TETHER_INVALID_ARGUMENT'],
      [['https://gw.example/mcp', '--ca-file', join(ws.home, 'missing.pem')], 'TETHER_UNREADABLE_FILE'],
    ] as const) {
      const result = await doctor(ws, [...args]);
      expect(result.code).toBe(2);
      expect(result.steps).toEqual([expect.objectContaining({ name: 'options', outcome: 'fail', error: expect.objectContaining({ code }) })]);
      expect(result.text).toBe(''); // without --json, the refusal is on stderr like any command's
    }
  });
});
