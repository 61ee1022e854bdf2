// The device authorization grant (RFC 8628) against every identity-provider profile, each configured as its
// documentation says a device client is: the code printed, entered in a browser on "another device" (headless
// Chromium on oidc-provider's device pages), and the tool call answered for that user. Amazon Cognito offers no
// device grant: mcp-tether says so, with what to use instead, and opens nothing.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { ProfileName } from '../fixtures/provider-profiles.js';
import { BROWSER, refusedCall, signins, startIde, text, workspace, type Workspace } from '../helpers/ide.js';
import { perTest } from '../helpers/per-test.js';

const { stackWith, defer } = perTest();

const CLIENT = 'device-app';
const deviceClient = { client_id: CLIENT, token_endpoint_auth_method: 'none', grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'], response_types: [], redirect_uris: [] };

interface DeviceSetup {
  /** Pre-registered where the provider has no open registration. */
  registered: boolean;
  args: (mcpUrl: string) => string[];
}

const SETUPS: Record<Exclude<ProfileName, 'cognito'>, DeviceSetup> = {
  default: { registered: false, args: () => [] },
  okta: { registered: true, args: () => [] },
  entra: { registered: true, args: (url) => ['--scope', `${url}/.default openid profile offline_access`, '--disable-resource-parameter'] },
  auth0: { registered: false, args: (url) => ['--authorize-param', `audience=${url}`] },
  keycloak: { registered: true, args: () => [] },
  github: { registered: true, args: () => [] },
};

/** The user at another device: opens the printed URI in headless Chromium and types the printed code. */
function userAtAnotherDevice(ws: Workspace): (stderr: string) => void {
  let started = false;
  return (stderr) => {
    const match = /open (\S+) and enter the code (\S+?)[.\s]/.exec(stderr);
    if (started || !match?.[1] || !match[2]) return;
    started = true;
    const env = { PATH: process.env.PATH ?? '', HOME: ws.home, SIGNIN_LOG: ws.signinLog, SIGNIN_MODE: 'device', SIGNIN_USER: 'dora' };
    spawn(process.execPath, [BROWSER, match[1], match[2]], { env, stdio: 'ignore' }).unref();
  };
}

describe('--device-code against every provider profile', () => {
  for (const [profile, setup] of Object.entries(SETUPS) as Array<[Exclude<ProfileName, 'cognito'>, DeviceSetup]>) {
    it(`${profile}: the code entered on another device signs the user in`, async () => {
      const stack = await stackWith({ profile, deviceFlow: true, ...(setup.registered ? { clients: [deviceClient] } : {}) });
      const ws = workspace({ BROWSER: '/bin/false' });
      const args = ['--device-code', ...(setup.registered ? ['--static-oauth-client-info', JSON.stringify({ client_id: CLIENT })] : []), ...setup.args(stack.mcp.url)];
      const ide = await startIde(stack.mcp.url, ws, { args, onStderr: userAtAnotherDevice(ws) });
      defer(() => ide.close());
      const result = await ide.client.callTool({ name: 'whoami', arguments: {} }, { timeout: 45_000 }).catch((error: unknown) => {
        throw new Error(`${String(error)}\nmcp-tether stderr:\n${ide.stderr()}`);
      });
      expect(text(result)).toBe('dora');
      expect(stack.as.counts.deviceCodeGrants).toBe(1);
      expect(stack.as.counts.authorizationRequests).toBe(0);
      expect(signins(ws).at(-1)?.kind).toBe('device');
    });
  }

  it('cognito: no device grant offered; the IDE is told so with what to do, and nothing opens', async () => {
    const stack = await stackWith({ profile: 'cognito', clients: [deviceClient] });
    const ws = workspace({ BROWSER: '/bin/false' });
    const { told, stderr } = await refusedCall(stack.mcp.url, ws, { args: ['--device-code', '--static-oauth-client-info', JSON.stringify({ client_id: CLIENT })] });
    expect(told).toContain('TETHER_GRANT_NOT_OFFERED');
    expect(told + stderr).toContain('does not offer the device authorization grant');
    expect(stack.as.counts.authorizationRequests).toBe(0);
    expect(signins(ws)).toHaveLength(0);
  });
});
