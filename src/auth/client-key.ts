// A client's private key for private_key_jwt client authentication (RFC 7523 section 2.2): read from a PEM file
// (--client-private-key), checked when the command line is read, made a WebCrypto signing key when a session starts.
import { createPrivateKey, webcrypto, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { PrivateKey } from 'openid-client';
import { TetherError } from '../errors.js';

/** --client-private-key and --client-key-id, as the command line gives them (plain data: it crosses processes). */
export interface ClientKeyOption {
  file: string;
  kid?: string;
}

const CURVES: Record<string, string> = { prime256v1: 'P-256', secp384r1: 'P-384', secp521r1: 'P-521' };

function readKeyObject(option: ClientKeyOption): KeyObject {
  let pem: Buffer;
  try {
    pem = readFileSync(option.file);
  } catch (error) {
    throw new TetherError('TETHER_INVALID_ARGUMENT', `--client-private-key ${option.file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'}).`, {
      hint: 'Give the path of the PEM file holding the private key registered for this client.',
    });
  }
  try {
    return createPrivateKey(pem);
  } catch {
    throw new TetherError('TETHER_INVALID_ARGUMENT', `--client-private-key ${option.file} holds no private key mcp-tether can read.`, {
      hint: 'Give an unencrypted PEM private key ("BEGIN PRIVATE KEY", "BEGIN RSA PRIVATE KEY" or "BEGIN EC PRIVATE KEY").',
    });
  }
}

/** The WebCrypto algorithm a key signs with: RS256, PS256, ES256/384/512 or EdDSA, as its type says. */
function algorithmOf(key: KeyObject, file: string): webcrypto.RsaHashedImportParams | webcrypto.EcKeyImportParams | webcrypto.Algorithm {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' };
    case 'rsa-pss':
      return { name: 'RSA-PSS', hash: 'SHA-256' };
    case 'ed25519':
      return { name: 'Ed25519' };
    case 'ec': {
      const namedCurve = CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''];
      if (namedCurve) return { name: 'ECDSA', namedCurve };
      break;
    }
    default:
      break;
  }
  throw new TetherError('TETHER_INVALID_ARGUMENT', `--client-private-key ${file} is a ${key.asymmetricKeyType ?? 'unknown'} key that JWT client authentication cannot use.`, {
    hint: 'Use an RSA, EC (P-256, P-384, P-521) or Ed25519 key.',
  });
}

/** Checks the key file when the command line is read (a wrong file is a command-line error), without keeping it. */
export function checkClientKey(option: ClientKeyOption): void {
  algorithmOf(readKeyObject(option), option.file);
}

/** The signing key openid-client's PrivateKeyJwt takes; not extractable, held only by this process. */
export async function loadClientKey(option: ClientKeyOption): Promise<PrivateKey> {
  const keyObject = readKeyObject(option);
  const der = keyObject.export({ format: 'der', type: 'pkcs8' });
  const key = await webcrypto.subtle.importKey('pkcs8', der, algorithmOf(keyObject, option.file), false, ['sign']);
  return { key, ...(option.kid ? { kid: option.kid } : {}) };
}
