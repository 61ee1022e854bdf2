// What a machine client is given (pure, files in a temporary directory): the private key file of private_key_jwt and
// the workload identity token of the jwt-bearer grant, read and checked with coded errors; and the auth method chosen.
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAssertionSource, readAssertion } from '../../src/auth/assertion.js';
import { chooseAuthMethod } from '../../src/auth/client-config.js';
import { checkClientKey, loadClientKey } from '../../src/auth/client-key.js';
import { TetherError } from '../../src/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'tether-machine-'));
const JWT = 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJydW5uZXIifQ.c2lnbmF0dXJl';

function codeOf(work: () => unknown): string | undefined {
  try {
    work();
    return undefined;
  } catch (error) {
    return error instanceof TetherError ? error.code : `not coded: ${String(error)}`;
  }
}

function pemFile(name: string, pem: string): string {
  const file = join(dir, name);
  writeFileSync(file, pem);
  return file;
}

describe('--client-private-key', () => {
  const cases = [
    ['RSA (PKCS#1)', generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'pem', type: 'pkcs1' }).toString(), 'RSASSA-PKCS1-v1_5'],
    ['EC P-256 (SEC1)', generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'sec1' }).toString(), 'ECDSA'],
    ['EC P-384 (PKCS#8)', generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), 'ECDSA'],
    ['Ed25519', generateKeyPairSync('ed25519').privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(), 'Ed25519'],
  ] as const;

  it.each(cases)('reads a %s key into a signing key that cannot be exported', async (name, pem, algorithm) => {
    const file = pemFile(`${name.replace(/\W+/g, '-')}.pem`, pem);
    expect(codeOf(() => checkClientKey({ file }))).toBeUndefined();
    const { key, kid } = await loadClientKey({ file, kid: 'k1' });
    expect(key.algorithm.name).toBe(algorithm);
    expect(key.extractable).toBe(false);
    expect(key.usages).toEqual(['sign']);
    expect(kid).toBe('k1');
  });

  it('refuses a missing file, a file without a key, a public key and a curve JWTs cannot use, each as a command-line error', () => {
    expect(codeOf(() => checkClientKey({ file: join(dir, 'absent.pem') }))).toBe('TETHER_INVALID_ARGUMENT');
    expect(codeOf(() => checkClientKey({ file: pemFile('text.pem', 'not a key') }))).toBe('TETHER_INVALID_ARGUMENT');
    const publicPem = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'pem', type: 'spki' }).toString();
    expect(codeOf(() => checkClientKey({ file: pemFile('public.pem', publicPem) }))).toBe('TETHER_INVALID_ARGUMENT');
    const secp256k1 = generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
    expect(codeOf(() => checkClientKey({ file: pemFile('k1.pem', secp256k1) }))).toBe('TETHER_INVALID_ARGUMENT');
  });

  it('makes the client authenticate with private_key_jwt, whatever else it has', async () => {
    const file = pemFile('auth.pem', cases[1][1]);
    const privateKey = await loadClientKey({ file });
    const server = { issuer: 'https://id.example', token_endpoint_auth_methods_supported: ['client_secret_post'] };
    expect(chooseAuthMethod({ client_id: 'c', private_key: privateKey }, server)).toBe('private_key_jwt');
    expect(chooseAuthMethod({ client_id: 'c', client_secret: 's' }, server)).toBe('client_secret_post');
    expect(chooseAuthMethod({ client_id: 'c' }, server)).toBe('none');
  });
});

describe('--jwt-bearer-assertion', () => {
  it('names a file, or an environment variable with env:', () => {
    expect(parseAssertionSource('/var/run/secrets/token')).toEqual({ file: '/var/run/secrets/token' });
    expect(parseAssertionSource('env:ACTIONS_ID_TOKEN')).toEqual({ env: 'ACTIONS_ID_TOKEN' });
    expect(codeOf(() => parseAssertionSource('env:NOT-A-NAME'))).toBe('TETHER_INVALID_ARGUMENT');
  });

  it('reads the current token, trimmed, each time it is asked', () => {
    const file = join(dir, 'token');
    writeFileSync(file, `${JWT}\n`);
    expect(readAssertion({ file })).toBe(JWT);
    writeFileSync(file, `${JWT}x`);
    expect(readAssertion({ file })).toBe(`${JWT}x`);
    expect(readAssertion({ env: 'TOKEN' }, { TOKEN: JWT })).toBe(JWT);
  });

  it('says where it looked when the token is missing, empty or not a JWT', () => {
    expect(codeOf(() => readAssertion({ file: join(dir, 'absent') }))).toBe('TETHER_ASSERTION_UNAVAILABLE');
    expect(codeOf(() => readAssertion({ env: 'TOKEN' }, {}))).toBe('TETHER_ASSERTION_UNAVAILABLE');
    expect(codeOf(() => readAssertion({ env: 'TOKEN' }, { TOKEN: '  ' }))).toBe('TETHER_ASSERTION_UNAVAILABLE');
    expect(codeOf(() => readAssertion({ env: 'TOKEN' }, { TOKEN: 'opaque-token' }))).toBe('TETHER_ASSERTION_UNAVAILABLE');
    expect(() => readAssertion({ env: 'TOKEN' }, {})).toThrow(/the environment variable TOKEN/);
    expect(() => readAssertion({ file: join(dir, 'absent') })).toThrow(/the file .*absent \(ENOENT\)/);
  });
});
