// DPoP (RFC 9449) on real components: oidc-provider binds the tokens to mcp-tether's key, and an MCP server that takes
// only DPoP-bound tokens checks every request's proof (jose). The CLI is spawned as an IDE spawns it; the sign-in
// goes through headless Chromium; the key lives in the keychain (gnome-keyring) and nowhere else.
import { createHash, randomUUID } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.js';
import { signins, startIde, text, workspace, type Ide } from '../helpers/ide.js';
import { perTest } from '../helpers/per-test.js';
import { expireStoredTokens, filesContaining, keychainRecord } from '../helpers/secrets.js';

const { stackWith, defer } = perTest();
const whoami = async (ide: Ide): Promise<string> => text(await ide.client.callTool({ name: 'whoami', arguments: {} }));

/** A request a thief would make with a copied access token: a proof from the thief's own key, or none. */
async function replay(url: string, token: string, proofKey: 'none' | 'own-key'): Promise<number> {
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    accept: 'application/json, text/event-stream',
    authorization: `DPoP ${token}`,
  };
  if (proofKey === 'own-key') {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    headers['dpop'] = await new SignJWT({ jti: randomUUID(), htm: 'POST', htu: url, ath: createHash('sha256').update(token).digest('base64url') })
      .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: await exportJWK(publicKey) })
      .setIssuedAt()
      .sign(privateKey);
  }
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'initialize', params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'thief', version: '1' } } });
  const response = await fetch(url, { method: 'POST', headers, body });
  await response.body?.cancel();
  return response.status;
}

describe('DPoP: tokens bound to a key in the keychain', () => {
  it('signs in with a proof, presents every request with a fresh one, and a token copied out is useless', async () => {
    const stack = await stackWith({ dpop: 'required' });
    const ws = workspace();
    const ide = await startIde(stack.mcp.url, ws, { args: ['--debug'] });
    defer(() => ide.close());
    expect(await whoami(ide), ide.stderr()).toBe('alice');
    expect(await whoami(ide)).toBe('alice');
    expect(signins(ws)).toHaveLength(1);
    // initialize, initialized, two calls (and whatever the IDE lists): each with its own proof, none refused.
    expect(stack.mcp.dpopStats.proofsAccepted).toBeGreaterThanOrEqual(4);
    expect(stack.mcp.dpopStats.lastRefusal).toBeUndefined();
    const tokenRequest = stack.as.credentialRequests.find((request) => request.path.endsWith('/token'));
    expect(tokenRequest?.dpop?.split('.')).toHaveLength(3);

    const record = keychainRecord(ws.home, stack.mcp.url);
    expect(record?.tokens?.token_type.toLowerCase()).toBe('dpop');
    const key = record?.dpop_key;
    expect(key?.alg).toBe('ES256');
    expect(typeof key?.jwk.d).toBe('string');
    // The access token is bound to that key: its cnf.jkt is the key's thumbprint.
    const token = record?.tokens?.access_token ?? '';
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { cnf?: { jkt?: string } };
    const { d: _private, ...publicJwk } = key?.jwk ?? { kty: 'EC' };
    expect(claims.cnf?.jkt).toBe(await calculateJwkThumbprint(publicJwk as Parameters<typeof calculateJwkThumbprint>[0]));

    // Copied out of the keychain, the token gets nowhere: not as a bearer token, not without a proof, not with a proof
    // of another key.
    const asBearer = await fetch(stack.mcp.url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    expect(asBearer.status).toBe(401);
    expect(await replay(stack.mcp.url, token, 'none')).toBe(401);
    expect(await replay(stack.mcp.url, token, 'own-key')).toBe(401);
    expect(stack.mcp.dpopStats.lastRefusal).toContain('cnf.jkt');

    // The private key is in the keychain only: in no file under HOME, not on stderr with --debug.
    await ide.close();
    expect(filesContaining(ws.home, [key?.jwk.d ?? 'missing'])).toEqual([]);
    expect(ide.stderr()).not.toContain(key?.jwk.d);
    expect(ide.stderr()).not.toContain(token);
    expect(ide.stderr()).toContain('DPoP: the tokens are bound to a new ES256 key');
  });

  it('a new process refreshes with a proof of the stored key, without a new sign-in', async () => {
    const stack = await stackWith({ dpop: 'required' });
    const ws = workspace();
    const first = await startIde(stack.mcp.url, ws);
    expect(await whoami(first), first.stderr()).toBe('alice');
    await first.close();
    const keyBefore = keychainRecord(ws.home, stack.mcp.url)?.dpop_key;
    expireStoredTokens(ws.home, stack.mcp.url);

    const second = await startIde(stack.mcp.url, ws);
    defer(() => second.close());
    expect(await whoami(second), second.stderr()).toBe('alice');
    expect(stack.as.counts.refreshGrants).toBe(1);
    expect(stack.as.counts.failedGrants).toBe(0);
    expect(signins(ws)).toHaveLength(1);
    const refresh = stack.as.credentialRequests.filter((request) => request.path.endsWith('/token')).at(-1);
    expect(new URLSearchParams(refresh?.body ?? '').get('grant_type')).toBe('refresh_token');
    expect(refresh?.dpop?.split('.')).toHaveLength(3);
    // Same key: the refreshed token is bound to it as the first one was.
    expect(keychainRecord(ws.home, stack.mcp.url)?.dpop_key).toEqual(keyBefore);
  });

  it('follows both servers\' nonces, and a nonce the MCP server rotates mid-session costs the IDE nothing', async () => {
    const stack = await stackWith({ dpop: 'nonce', dpopNonce: true });
    const ws = workspace();
    const ide = await startIde(stack.mcp.url, ws);
    defer(() => ide.close());
    expect(await whoami(ide), ide.stderr()).toBe('alice');
    const challenged = stack.mcp.dpopStats.nonceChallenges;
    expect(challenged).toBeGreaterThanOrEqual(1);
    // The authorization server refused the first proof for want of its nonce, then issued the tokens.
    expect(stack.as.counts.codeGrants).toBe(1);
    expect(signins(ws)).toHaveLength(1);

    stack.mcp.rotateDpopNonce();
    expect(await whoami(ide)).toBe('alice');
    expect(stack.mcp.dpopStats.nonceChallenges).toBe(challenged + 1);
    expect(await whoami(ide)).toBe('alice');
    expect(stack.mcp.dpopStats.nonceChallenges).toBe(challenged + 1);

    // `status --check` presents the stored token as the IDE does: with a proof, following the server's nonce.
    const status = await runCli(ws, ['status', '--check']);
    expect(status.stdout + status.stderr).toContain('check:                accepted by the server');
    expect(status.code).toBe(0);
  });

  it('an MCP server that takes bearer tokens gets them, though the authorization server offers DPoP', async () => {
    const stack = await stackWith();
    const ws = workspace();
    const ide = await startIde(stack.mcp.url, ws, { args: ['--debug'] });
    defer(() => ide.close());
    expect(await whoami(ide), ide.stderr()).toBe('alice');
    const record = keychainRecord(ws.home, stack.mcp.url);
    expect(record?.tokens?.token_type.toLowerCase()).toBe('bearer');
    expect(record?.dpop_key).toBeUndefined();
    expect(ide.stderr()).toContain('DPoP not used (the MCP server does not ask for it)');
  });
});
