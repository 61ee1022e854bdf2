// --static-oauth-client-info: the shape of a client an administrator registered at the provider, checked when the
// command line is read (a leaf: parsing the command line loads no OAuth code).
import { TetherError } from '../errors.js';
import { registerSecret } from '../log.js';

/** --static-oauth-client-info: a client registered at the provider by an administrator. */
export interface StaticClientInfo {
  client_id: string;
  client_secret?: string;
  redirect_uris?: string[];
  token_endpoint_auth_method?: string;
  scope?: string;
}

export function parseStaticClientInfo(value: unknown): StaticClientInfo {
  if (typeof value !== 'object' || value === null || typeof (value as { client_id?: unknown }).client_id !== 'string') {
    throw new TetherError('TETHER_INVALID_ARGUMENT', '--static-oauth-client-info needs a JSON object with a "client_id" string.', {
      hint: 'Example: --static-oauth-client-info \'{"client_id":"abc123","redirect_uris":["http://localhost:3334/oauth/callback"]}\'',
    });
  }
  const info = value as StaticClientInfo;
  registerSecret(info.client_secret);
  return info;
}
