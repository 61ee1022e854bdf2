// Sign-in on a machine without a browser: the device authorization grant (RFC 8628). The user opens the printed
// URL on any device and enters the code; mcp-tether polls the token endpoint meanwhile.
import * as oidc from 'openid-client';
import { TetherError } from '../errors.js';
import { remindWhileWaiting, type UserSignIn } from './browser-flow.js';
import { explainOAuthError } from './oauth-errors.js';

export interface DeviceSignIn extends UserSignIn {
  /** Told the verification URL, so the IDE can show it too. */
  onUrl: (url: string) => void;
}

export async function signInWithDeviceCode(signIn: DeviceSignIn): Promise<oidc.TokenEndpointResponse> {
  const { config, log } = signIn;
  if (!config.serverMetadata().device_authorization_endpoint) {
    throw new TetherError('TETHER_GRANT_NOT_OFFERED', `The authorization server ${config.serverMetadata().issuer} does not offer the device authorization grant (RFC 8628).`, {
      hint: 'Leave out --device-code and sign in through a browser (the URL is printed on stderr, so it can be opened on another machine), or use mcp-tether login where a browser is available.',
    });
  }
  const params = { ...signIn.extraParams, ...(signIn.scope ? { scope: signIn.scope } : {}), ...(signIn.resource ? { resource: signIn.resource } : {}) };
  let device: oidc.DeviceAuthorizationResponse;
  try {
    device = await oidc.initiateDeviceAuthorization(config, params);
  } catch (error) {
    throw explainOAuthError(error, 'Starting the device sign-in', { clientId: config.clientMetadata().client_id, ...(signIn.scope ? { scope: signIn.scope } : {}) });
  }
  const url = device.verification_uri_complete ?? device.verification_uri;
  log.always(`Sign-in required for ${signIn.serverUrl.href}. On any device, open ${device.verification_uri} and enter the code ${device.user_code}${device.verification_uri_complete ? ` (or open ${device.verification_uri_complete})` : ''}.`);
  signIn.onUrl(url);
  const deadline = AbortSignal.timeout(Math.min(signIn.timeoutMs, device.expires_in * 1000));
  const stopReminding = remindWhileWaiting(log, Math.min(signIn.timeoutMs, device.expires_in * 1000), `you to enter the code ${device.user_code}`);
  try {
    return await oidc.pollDeviceAuthorizationGrant(config, device, signIn.resource ? { resource: signIn.resource } : {}, { signal: deadline, ...(signIn.DPoP ? { DPoP: signIn.DPoP } : {}) });
  } catch (error) {
    if (deadline.aborted) {
      throw new TetherError('TETHER_SIGN_IN_TIMEOUT', `The device sign-in was not completed within ${Math.round(Math.min(signIn.timeoutMs, device.expires_in * 1000) / 1000)} s.`, {
        hint: 'Start again and enter the code sooner, or raise --auth-timeout.',
      });
    }
    throw explainOAuthError(error, 'The device sign-in', { clientId: config.clientMetadata().client_id });
  } finally {
    stopReminding();
  }
}
