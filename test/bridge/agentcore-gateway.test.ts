// An Amazon Bedrock AgentCore Gateway, as its docs describe it, on real components: outbound consent (3LO) in both
// protocol eras (-32042 with URL elicitations in 2025-11-25, a URL-mode request inside input_required in 2026-07-28),
// for IDEs that show URL elicitations and IDEs that do not; per-call `_meta` overrides passed through untouched;
// sessions that end an absolute time after initialize, or belong to another user, answered 404 and replaced unseen.
import { describe, expect, it } from 'vitest';
import { startModernGateway } from '../fixtures/modern-gateway.js';
import { startIde, text, workspace, type Ide } from '../helpers/ide.js';
import { perTest } from '../helpers/per-test.js';
import { connectIde, sleep } from './drivers.js';

const { stackWith, defer } = perTest();

interface RpcError {
  code?: unknown;
  message?: unknown;
  data?: unknown;
}

const CONSENT_URL = 'https://consent.example.com/authorize?request_uri=urn%3Aietf%3Aparams%3Aoauth%3Arequest_uri%3Acal';
const OVERRIDES = { 'aws.bedrock-agentcore.gateway/credentialProviderConfiguration': { returnUrl: 'https://app.example.com/after-consent', forceAuthentication: true } };

async function failure(promise: Promise<unknown>): Promise<RpcError> {
  return promise.then(
    () => ({ message: 'the call succeeded' }),
    (error: unknown) => error as RpcError,
  );
}

const calendar = (ide: Pick<Ide, 'client'>, meta?: Record<string, unknown>): Promise<unknown> =>
  ide.client.callTool({ name: 'calendar', arguments: {}, ...(meta ? { _meta: meta } : {}) });

describe('AgentCore Gateway outbound consent, MCP 2025-11-25 (-32042)', () => {
  it('an IDE without URL elicitation is shown the full link and who asks; the same call works once the user has consented, in the same process', async () => {
    const stack = await stackWith({ gateway: { consentUrl: CONSENT_URL } });
    const ws = workspace();
    const ide = await startIde(stack.mcp.url, ws, { capabilities: { elicitation: { form: {} } } });
    defer(() => ide.close());
    const error = await failure(calendar(ide, OVERRIDES));
    expect(error.code).toBe(-32042);
    const message = String(error.message);
    expect(message).toContain(CONSENT_URL);
    expect(message).toContain(`The MCP server ${new URL(stack.mcp.url).origin} asks you to open this page`);
    expect(message).toContain('Allow access to your calendar');
    expect(message).toContain('then try again');
    expect(message).not.toContain('CAREFUL');
    // AgentCore's per-call overrides reached the gateway as the IDE wrote them.
    expect(stack.mcp.gatewayStats.callMeta.at(-1)).toEqual(OVERRIDES);

    stack.mcp.grantConsent(); // the user opened the link and consented
    expect(text(await calendar(ide))).toBe('3 events for alice');
  });

  it('an IDE that shows URL elicitations gets the gateway\'s error as it was sent', async () => {
    const stack = await stackWith({ gateway: { consentUrl: CONSENT_URL } });
    const ide = await startIde(stack.mcp.url, workspace(), { capabilities: { elicitation: { url: {} } } });
    defer(() => ide.close());
    const error = await failure(calendar(ide));
    expect(error.code).toBe(-32042);
    expect(error.data).toEqual({ elicitations: [{ mode: 'url', elicitationId: 'calendar-consent', url: CONSENT_URL, message: 'Allow access to your calendar' }] });
  });

  it('a look-alike (punycode) host is flagged with the name it imitates', async () => {
    const lookAlike = 'https://xn--pple-43d.com/authorize?request_uri=x';
    const stack = await stackWith({ gateway: { consentUrl: lookAlike } });
    const ide = await startIde(stack.mcp.url, workspace());
    defer(() => ide.close());
    const message = String((await failure(calendar(ide))).message);
    expect(message).toContain(lookAlike);
    expect(message).toContain('CAREFUL: its host xn--pple-43d.com is an internationalised name that reads "аpple.com"');
  });
});

describe('AgentCore Gateway outbound consent, MCP 2026-07-28 (input_required)', () => {
  it('an IDE without URL elicitation is shown the link instead of a request it cannot answer; the call works after the consent', async () => {
    const gateway = await startModernGateway(CONSENT_URL);
    defer(() => gateway.close());
    const ide = await connectIde(gateway.url, workspace(), { capabilities: {} });
    defer(() => ide.close());
    const error = await failure(calendar(ide, OVERRIDES));
    expect(error.code).toBe(-32042);
    expect(String(error.message)).toContain(CONSENT_URL);
    expect(String(error.message)).toContain(`The MCP server ${new URL(gateway.url).origin} asks you to open this page`);
    expect(gateway.stats.inputRequired).toBe(1);
    // The IDE's own _meta keys are kept beside the ones 2026-07-28 needs.
    expect(gateway.stats.lastCallMeta).toMatchObject(OVERRIDES);

    gateway.grantConsent();
    expect(text(await calendar(ide))).toBe('3 events');
  });

  it('an IDE with URL elicitation is asked, and the call continues with its answer', async () => {
    const gateway = await startModernGateway(CONSENT_URL);
    defer(() => gateway.close());
    const asked: unknown[] = [];
    const ide = await connectIde(gateway.url, workspace(), {
      capabilities: { elicitation: { url: {} } },
      setup: (client) => {
        client.setRequestHandler('elicitation/create', async (request) => {
          asked.push(request.params);
          gateway.grantConsent(); // the user opened the page and consented before answering
          return { action: 'accept' };
        });
      },
    });
    defer(() => ide.close());
    expect(text(await calendar(ide))).toBe('3 events');
    expect(asked).toEqual([{ mode: 'url', elicitationId: 'calendar-consent', url: CONSENT_URL, message: 'Allow access to your calendar' }]);
    expect(gateway.stats.continuations).toBe(1);
  });
});

describe('a large call to a 2026-07-28 server', () => {
  it('a 3 MB argument (read by the bridge as its envelope) is parsed whole for the rewrite, and arrives intact with the era\'s _meta', async () => {
    const gateway = await startModernGateway(CONSENT_URL);
    defer(() => gateway.close());
    gateway.grantConsent();
    const ide = await connectIde(gateway.url, workspace(), { capabilities: {} });
    defer(() => ide.close());
    const note = 'ü🙂'.repeat(500_000);
    expect(text(await ide.client.callTool({ name: 'calendar', arguments: { note } }))).toBe('3 events');
    expect(gateway.stats.lastArguments).toEqual({ note });
    expect(gateway.stats.lastCallMeta).toMatchObject({ 'io.modelcontextprotocol/protocolVersion': '2026-07-28' });
  });
});

describe('AgentCore Gateway sessions', () => {
  it('a session past its absolute timeout (404) is replaced without the IDE noticing', async () => {
    const stack = await stackWith({ gateway: { sessionTtlMs: 1_500 } });
    const ide = await startIde(stack.mcp.url, workspace());
    defer(() => ide.close());
    expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe('alice');
    await sleep(2_000);
    expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe('alice');
    expect(stack.mcp.gatewayStats.expiredSessions).toBe(1);
    expect(stack.mcp.stats.sessionsCreated).toBe(2);
  });

  it('a session that belongs to another user (404) is replaced without the IDE noticing', async () => {
    const stack = await stackWith({ gateway: {} });
    const ide = await startIde(stack.mcp.url, workspace());
    defer(() => ide.close());
    expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe('alice');
    stack.mcp.rebindSessions('bob');
    expect(text(await ide.client.callTool({ name: 'whoami', arguments: {} })), ide.stderr()).toBe('alice');
    expect(stack.mcp.gatewayStats.otherUserSessions).toBe(1);
    expect(stack.mcp.stats.sessionsCreated).toBe(2);
  });
});
