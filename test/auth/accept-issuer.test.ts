// Issuer strictness (RFC 8414 section 3.3) against a server that breaks it as Atlassian's does (its resource metadata
// names "https://mcp.atlassian.com/", whose metadata says "https://cf.mcp.atlassian.com"; here: localhost and 127.0.0.1): refused by default with the
// way out named; --accept-issuer takes that one issuer for this server, and says so every time it is used.
import { describe, expect, it } from 'vitest';
import { refusedCall, startIde, text, workspace } from '../helpers/ide.js';
import { perTest } from '../helpers/per-test.js';

const { stackWith, defer } = perTest();

describe('an authorization server whose metadata names another issuer than the one it was found by', () => {
  it('is refused by default, with the exact --accept-issuer to pass; nothing is registered and no browser opens', async () => {
    const stack = await stackWith({ advertiseIssuer: (issuer) => issuer.replace("127.0.0.1", "localhost") });
    const { told, stderr } = await refusedCall(stack.mcp.url, workspace());
    expect(told).toContain('TETHER_METADATA_INVALID');
    expect(told + stderr).toContain(`--accept-issuer "${stack.as.issuer}"`);
    expect(stack.as.counts.registrations).toBe(0);
    expect(stack.as.counts.authorizationRequests).toBe(0);
  });

  it('--accept-issuer with that issuer signs in, and says on stderr that the check was relaxed', async () => {
    const stack = await stackWith({ advertiseIssuer: (issuer) => issuer.replace("127.0.0.1", "localhost") });
    const ws = workspace();
    const ide = await startIde(stack.mcp.url, ws, { args: ['--accept-issuer', stack.as.issuer] });
    defer(() => ide.close());
    expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe('alice');
    expect(ide.stderr()).toContain(`--accept-issuer: using the authorization server metadata of ${stack.as.issuer.replace("127.0.0.1", "localhost")}, which names another issuer (${stack.as.issuer})`);
  });

  it('--accept-issuer with another issuer relaxes nothing', async () => {
    const stack = await stackWith({ advertiseIssuer: (issuer) => issuer.replace("127.0.0.1", "localhost") });
    const { told } = await refusedCall(stack.mcp.url, workspace(), { args: ['--accept-issuer', 'https://attacker.example.com'] });
    expect(told).toContain('TETHER_METADATA_INVALID');
    expect(stack.as.counts.registrations).toBe(0);
  });
});
