// --client-metadata-url on real components: oidc-provider's Client ID Metadata Document feature takes the URL as the
// client id and fetches the document (served in-process, no network); a server without it gets a registration instead.
import { describe, expect, it } from 'vitest';
import { signins, startIde, text, waitForSignins, workspace } from '../helpers/ide.js';
import { freePort } from '../helpers/net.js';
import { stateDirOf } from '../helpers/secrets.js';
import { readServerState } from '../../src/store/server-state.js';
import { perTest } from '../helpers/per-test.js';

const DOCUMENT_URL = 'https://client.tether.test/mcp-tether/client.json';

const { stackWith, defer } = perTest();

function clientDocument(redirectUri: string): Record<string, unknown> {
  return {
    client_id: DOCUMENT_URL,
    client_name: 'mcp-tether',
    application_type: 'native',
    redirect_uris: [redirectUri],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'none',
  };
}

describe('--client-metadata-url', () => {
  it('signs in with the document URL as client id, without registering a client', async () => {
    const port = await freePort();
    const redirectUri = `http://localhost:${port}/oauth/callback`;
    const stack = await stackWith({ clientMetadataDocuments: { [DOCUMENT_URL]: clientDocument(redirectUri) } });
    const ws = workspace();
    const ide = await startIde(stack.mcp.url, ws, { args: [String(port), '--client-metadata-url', DOCUMENT_URL] });
    try {
      expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe('alice');
      expect(stack.as.counts.registrations).toBe(0);
      expect(stack.as.counts.metadataDocumentFetches).toBeGreaterThanOrEqual(1);
      expect(stack.as.counts.codeGrants).toBe(1);
      expect(ide.stderr()).toContain(`client_id=${encodeURIComponent(DOCUMENT_URL)}`);
      expect((await waitForSignins(ws, 1)).at(-1)?.text).toContain('Signed in');
      const state = readServerState(stateDirOf(ws.home), stack.mcp.url);
      expect(state?.client.client_id).toBe(DOCUMENT_URL);
      expect(state?.client.source).toBe('metadata-document');
    } finally {
      await ide.close();
    }
  });

  it('falls back to dynamic registration, saying so, where the server does not support metadata documents', async () => {
    const stack = await stackWith({});
    const ws = workspace();
    const ide = await startIde(stack.mcp.url, ws, { args: ['--client-metadata-url', DOCUMENT_URL] });
    try {
      expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe('alice');
      expect(ide.stderr()).toContain('does not support client ID metadata documents; registering a client instead');
      expect(stack.as.counts.registrations).toBe(1);
      expect(signins(ws)).toHaveLength(1);
    } finally {
      await ide.close();
    }
  });
});
