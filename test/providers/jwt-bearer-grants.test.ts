// The jwt-bearer grant (RFC 7523 section 2.1) against every profile with machine clients, in both its uses: a workload's
// platform token (--jwt-bearer-assertion), and an ID-JAG from the company's identity provider (enterprise-managed).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startAuthServer } from '../fixtures/authorization-server.js';
import { MACHINE_CLIENT_ID, MACHINE_PROFILES } from '../fixtures/profile-flows.js';
import { signins, startIde, text, workspace } from '../helpers/ide.js';
import { perTest } from '../helpers/per-test.js';

const { stackWith, defer } = perTest();

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const SECRET = 'agent-secret-value';
const SSO_CLIENT = 'sso-agent';

describe('--jwt-bearer-assertion (workload identity) against every profile', () => {
  for (const [profile, setup] of MACHINE_PROFILES) {
    it(`${profile}: the platform's token becomes an access token the MCP server takes, no browser`, async () => {
      const stack = await stackWith({
        profile,
        workloadIdentity: true,
        clients: [
          { client_id: MACHINE_CLIENT_ID, token_endpoint_auth_method: 'none', grant_types: [JWT_BEARER], response_types: [], redirect_uris: [], ...(setup.clientScope ? { scope: setup.clientScope } : {}) },
        ],
        ...setup.stack,
      });
      const ws = workspace({ BROWSER: '/bin/false' });
      const tokenFile = join(ws.home, 'workload-token');
      writeFileSync(tokenFile, await stack.as.workloadToken({ sub: 'system:serviceaccount:ci:runner' }), { mode: 0o600 });
      const args = ['--static-oauth-client-info', JSON.stringify({ client_id: MACHINE_CLIENT_ID }), '--jwt-bearer-assertion', tokenFile, ...setup.args(stack.mcp.url)];
      const ide = await startIde(stack.mcp.url, ws, { args });
      defer(() => ide.close());
      expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe(MACHINE_CLIENT_ID);
      expect(stack.as.counts.jwtBearerGrants).toBe(1);
      expect(stack.as.counts.authorizationRequests).toBe(0);
      expect(signins(ws)).toHaveLength(0);
    });
  }
});

describe('enterprise-managed authorization (ID-JAG) with the MCP server behind every profile', () => {
  for (const [profile, setup] of MACHINE_PROFILES) {
    it(`${profile}: the company's ID token is exchanged for an ID-JAG that this authorization server takes`, async () => {
      const idp = await startAuthServer({
        resource: 'https://idp.invalid/unused',
        identityProvider: { clientAtResource: MACHINE_CLIENT_ID },
        clients: [{ client_id: SSO_CLIENT, token_endpoint_auth_method: 'none', grant_types: [TOKEN_EXCHANGE], response_types: [], redirect_uris: [] }],
      });
      defer(() => idp.close());
      const stack = await stackWith({
        profile,
        clientAuthMethods: setup.authMethods,
        trustIdJagsFrom: () => ({ issuer: idp.issuer, jwksUri: idp.jwksUri }),
        clients: [
          {
            client_id: MACHINE_CLIENT_ID,
            client_secret: SECRET,
            token_endpoint_auth_method: setup.authMethods.includes('client_secret_basic') ? 'client_secret_basic' : 'client_secret_post',
            grant_types: [JWT_BEARER],
            response_types: [],
            redirect_uris: [],
            ...(setup.clientScope ? { scope: setup.clientScope } : {}),
          },
        ],
        ...setup.stack,
      });
      const ws = workspace({ BROWSER: '/bin/false' });
      const idTokenFile = join(ws.home, 'id-token');
      writeFileSync(idTokenFile, await idp.idToken({ sub: 'alice', clientId: SSO_CLIENT }), { mode: 0o600 });
      const args = [
        '--enterprise-idp', idp.issuer,
        '--enterprise-idp-client', JSON.stringify({ client_id: SSO_CLIENT }),
        '--enterprise-id-token', idTokenFile,
        '--static-oauth-client-info', JSON.stringify({ client_id: MACHINE_CLIENT_ID, client_secret: SECRET }),
        ...setup.args(stack.mcp.url),
      ];
      const ide = await startIde(stack.mcp.url, ws, { args });
      defer(() => ide.close());
      expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe(MACHINE_CLIENT_ID);
      expect(idp.counts.idJagsIssued).toBe(1);
      expect(stack.as.counts.idJagsAccepted).toBe(1);
      expect(signins(ws)).toHaveLength(0);
      expect(ide.stderr()).not.toContain(SECRET);
    });
  }
});
