// What every credential store offers, and the record mcp-tether keeps in it for one server + authorization server + client.

export type StoreKind = 'keychain' | 'file' | 'memory';
/** --token-store: a store, or auto (the keychain, falling back to the file with a notice). */
export type StoreChoice = 'auto' | StoreKind;
export const STORE_CHOICES: readonly StoreChoice[] = ['auto', 'keychain', 'file', 'memory'];

export interface SecretStore {
  readonly kind: StoreKind;
  /** Where the secrets live, in words a user can act on (a keychain name or a file path). */
  readonly location: string;
  get(account: string): Promise<string | undefined>;
  set(account: string, value: string): Promise<void>;
  delete(account: string): Promise<boolean>;
}

export interface StoredTokens {
  access_token: string;
  token_type: string;
  refresh_token?: string;
  id_token?: string;
  /** Epoch milliseconds, from the ID token's `exp`. */
  id_token_expires_at?: number;
  scope?: string;
  /** Epoch milliseconds; absent when the authorization server did not say. */
  expires_at?: number;
  /** Epoch milliseconds when these tokens were obtained. */
  obtained_at: number;
}

/** The secret part of a sign-in: tokens, and the client secret of a confidential client. */
export interface SecretRecord {
  tokens?: StoredTokens;
  client_secret?: string;
  /** RFC 7592: the token that reads a dynamic registration back. */
  registration_access_token?: string;
  /** RFC 9449: the key the tokens are bound to (DPoP), as a private JWK; kept here and nowhere else. */
  dpop_key?: StoredDPoPKey;
}

/** A DPoP key as stored: the signing algorithm and the private key as a JWK (RFC 7517). */
export interface StoredDPoPKey {
  alg: string;
  jwk: { kty: string; d?: string; [member: string]: unknown };
}

/** The keychain service name every entry is filed under. */
export const SERVICE = 'mcp-tether';

export function parseRecord(raw: string | undefined): SecretRecord | undefined {
  if (!raw) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === 'object' && value !== null ? (value as SecretRecord) : undefined;
  } catch {
    return undefined;
  }
}
