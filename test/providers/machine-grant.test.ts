// The client credentials grant against every identity-provider profile that offers it, each configured as its
// documentation says a machine client is (the authorization code and refresh grants are in each profile's own file):
// a token with no browser, accepted by the MCP server, and a new one when it expires. GitHub offers no such grant.
import { describe, expect, it } from 'vitest';
import type { StackOptions } from '../fixtures/stack.js';
import { COGNITO_CUSTOM_SCOPE, type ProfileName } from '../fixtures/provider-profiles.js';
import { signins, startIde, text, workspace } from '../helpers/ide.js';
import { perTest } from '../helpers/per-test.js';

const { stackWith, defer } = perTest();
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const ID = 'reporting-bot';
const SECRET = 'reporting-bot-secret-value';

interface MachineSetup {
  /** What the administrator sets up at the provider (and the gateway, for Cognito). */
  stack?: Partial<StackOptions>;
  /** The client's allowed scope at the provider, where it has one. */
  clientScope?: string;
  /** What the user adds to mcp-tether's arguments, from the provider's documentation. */
  args: (mcpUrl: string) => string[];
}

const SETUPS: Record<Exclude<ProfileName, 'github'>, MachineSetup> = {
  default: { args: () => [] },
  // An app client with a custom scope; the gateway lets its client id in (access tokens carry no aud).
  cognito: { stack: { allowedClients: [ID] }, clientScope: COGNITO_CUSTOM_SCOPE, args: () => ['--scope', COGNITO_CUSTOM_SCOPE] },
  // A custom authorization server whose audience is the API.
  okta: { args: () => [] },
  // The app's own API: the scope names it, and v2 endpoints refuse `resource`.
  entra: { args: (url) => ['--scope', `${url}/.default`, '--disable-resource-parameter'] },
  // The API is chosen with `audience`, which a machine client sends on the token request.
  auth0: { args: (url) => ['--authorize-param', `audience=${url}`] },
  // A confidential client with service accounts enabled; the audience mapper names the API.
  keycloak: { args: () => [] },
};

describe('--client-credentials against every provider profile that offers it', () => {
  for (const [profile, setup] of Object.entries(SETUPS) as Array<[Exclude<ProfileName, 'github'>, MachineSetup]>) {
    it(`${profile}: a token with no browser, replaced when it expires`, async () => {
      const stack = await stackWith({
        profile,
        clientCredentials: true,
        accessTokenTtl: 3,
        clients: [
          {
            client_id: ID,
            client_secret: SECRET,
            token_endpoint_auth_method: 'client_secret_basic',
            grant_types: ['client_credentials'],
            response_types: [],
            redirect_uris: [],
            ...(setup.clientScope ? { scope: setup.clientScope } : {}),
          },
        ],
        ...setup.stack,
      });
      const ws = workspace({ BROWSER: '/bin/false' });
      const args = ['--client-credentials', '--static-oauth-client-info', JSON.stringify({ client_id: ID, client_secret: SECRET }), ...setup.args(stack.mcp.url)];
      const ide = await startIde(stack.mcp.url, ws, { args });
      defer(() => ide.close());
      expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe(ID);
      await sleep(3_500);
      expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe(ID);
      expect(stack.as.counts.clientCredentialsGrants).toBeGreaterThanOrEqual(2);
      expect(stack.as.counts.authorizationRequests).toBe(0);
      expect(signins(ws)).toHaveLength(0);
      expect(ide.stderr()).not.toContain(SECRET);
    });
  }
});
