// The bridge's start-up during a sign-in that takes as long as a person's, on fake timers: how long each IDE's
// initialize is held, what it is told when its hold runs out, the link offered as a URL elicitation or as the sign-in
// tool, and the correction once the server answers (or never does). The server side is a stand-in for Upstream.
import { PassThrough } from 'node:stream';
import type { JSONRPCMessage } from '@modelcontextprotocol/client';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Bridge, type BridgeUpstream } from '../../src/bridge/bridge.js';
import { EARLY_ANSWER_MS, holdPolicy } from '../../src/bridge/clients.js';
import { SIGN_IN_TOOL } from '../../src/bridge/sign-in-tool.js';
import { ToolFilter } from '../../src/bridge/tool-filter.js';
import { TetherError } from '../../src/errors.js';
import { Logger } from '../../src/log.js';

type Message = Record<string, unknown> & { id?: unknown; method?: string; result?: Record<string, unknown>; error?: Record<string, unknown> };

const LINK = 'https://idp.example/authorize?client_id=c&state=s';
const SERVER_ANSWER = (id: unknown): JSONRPCMessage =>
  ({ jsonrpc: '2.0', id, result: { protocolVersion: '2025-11-25', capabilities: { tools: { listChanged: true } }, serverInfo: { name: 'company-tools', version: '1' } } }) as JSONRPCMessage;

/** A bridge between a scripted IDE (stdin/stdout) and a server stand-in whose initialize answers when told. */
function startBridge(clientInfo: { name: string }, capabilities: Record<string, unknown> = {}) {
  const input = new PassThrough();
  const output = new PassThrough();
  const toIde: Message[] = [];
  let buffered = '';
  output.on('data', (chunk: Buffer) => {
    buffered += chunk.toString('utf8');
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) toIde.push(JSON.parse(line) as Message);
  });
  const toServer: JSONRPCMessage[] = [];
  let answerInitialize: (answer: JSONRPCMessage) => void = () => undefined;
  let failInitialize: (error: unknown) => void = () => undefined;
  const upstream: BridgeUpstream = {
    onmessage: () => undefined,
    era: undefined,
    serverUrl: new URL('https://mcp.example/mcp'),
    initialize: () =>
      new Promise<JSONRPCMessage>((resolve, reject) => {
        answerInitialize = resolve;
        failInitialize = reject;
      }),
    send: async (message) => {
      toServer.push(message);
    },
    close: async () => undefined,
    bytesOf: () => undefined,
    whole: (message) => message,
  };
  const stderr: string[] = [];
  const bridge = new Bridge({ upstream, input, output, log: new Logger('info', (line) => stderr.push(line)), toolFilter: new ToolFilter(), version: '0.0.0-test' });
  const running = bridge.run();
  /** Lets stream events and promise callbacks run (setImmediate is real; only timers and the clock are fake). */
  const settle = async (): Promise<void> => {
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  };
  const send = async (message: Record<string, unknown>): Promise<void> => {
    input.write(`${JSON.stringify({ jsonrpc: '2.0', ...message })}\n`);
    await settle();
  };
  return {
    bridge,
    toIde,
    toServer,
    stderr,
    send,
    settle,
    initialize: () => send({ id: 1, method: 'initialize', params: { protocolVersion: '2025-11-25', capabilities, clientInfo } }),
    answerInitialize: async (answer: JSONRPCMessage) => {
      answerInitialize(answer);
      await settle();
    },
    failInitialize: async (error: unknown) => {
      failInitialize(error);
      await settle();
    },
    answerTo: (id: unknown) => toIde.find((message) => message.id === id && !('method' in message)),
    notifications: (method: string) => toIde.filter((message) => message.method === method),
    stop: async () => {
      input.end();
      await running;
    },
  };
}

/** Moves the fake clock, letting what each timer starts run too. */
async function wait(ms: number, settle: () => Promise<void>): Promise<void> {
  vi.advanceTimersByTime(ms);
  await settle();
}

describe('start-up while a person signs in (fake timers)', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'Date'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('Kiro: a 40 s sign-in fits in its hold, so it gets the server\'s own answer and nothing made up', async () => {
    const ide = startBridge({ name: 'Kiro' });
    await ide.initialize();
    ide.bridge.started();
    ide.bridge.url(LINK);
    await wait(40_000, ide.settle);
    expect(ide.toIde).toEqual([]);
    ide.bridge.ended();
    await ide.answerInitialize(SERVER_ANSWER(1));
    expect(ide.toIde).toEqual([SERVER_ANSWER(1)]);
    expect(ide.stderr.join('')).toContain('Holding the IDE\'s start-up for up to 51 s while you sign in (Kiro does not list tools again');
    await ide.stop();
  });

  it('Claude Desktop: answered just before its 60 s limit, lists carry the sign-in tool, then list_changed once signed in', async () => {
    const hold = holdPolicy({ name: 'claude-ai' }).holdMs;
    const ide = startBridge({ name: 'claude-ai' });
    await ide.initialize();
    ide.bridge.started();
    ide.bridge.url(LINK);
    await wait(hold - 1, ide.settle);
    expect(ide.answerTo(1)).toBeUndefined();
    await wait(1, ide.settle);
    const early = ide.answerTo(1)?.result;
    expect(early?.protocolVersion).toBe('2025-11-25');
    expect(early?.capabilities).toMatchObject({ tools: { listChanged: true } });

    await ide.send({ method: 'notifications/initialized' });
    await ide.send({ id: 2, method: 'tools/list' });
    await wait(0, ide.settle); // its hold was initialize's, and that is over: answered at once
    const tools = ide.answerTo(2)?.result?.tools as Array<{ name: string; description: string }>;
    expect(tools.map((tool) => tool.name)).toEqual([SIGN_IN_TOOL]);
    expect(tools[0]?.description).toContain(LINK);
    expect(ide.toServer.filter((message) => 'id' in message)).toEqual([]); // nothing went to the server meanwhile

    // The user finishes at 75 s; the server answers the retried initialize.
    await wait(20_000, ide.settle);
    ide.bridge.ended();
    await ide.answerInitialize(SERVER_ANSWER(1));
    expect(ide.notifications('notifications/tools/list_changed')).toHaveLength(1);
    await ide.send({ id: 3, method: 'tools/list' });
    expect(ide.toServer.at(-1)).toMatchObject({ id: 3, method: 'tools/list' });
    await ide.stop();
  });

  it('Claude Code: early answer after 2 s, the link as a URL elicitation, completed when the sign-in ends', async () => {
    const ide = startBridge({ name: 'claude-code' }, { elicitation: { url: {} } });
    await ide.initialize();
    ide.bridge.started();
    await wait(EARLY_ANSWER_MS - 1, ide.settle);
    expect(ide.answerTo(1)).toBeUndefined();
    await wait(1, ide.settle);
    expect(ide.answerTo(1)?.result).toBeDefined();

    await ide.send({ method: 'notifications/initialized' });
    await ide.send({ id: 2, method: 'tools/list' });
    ide.bridge.url(LINK); // discovery and registration took a while: the link comes after the IDE is up
    await ide.settle();
    const [offer] = ide.notifications('elicitation/create');
    expect(offer?.params).toMatchObject({ mode: 'url', url: LINK });
    await wait(EARLY_ANSWER_MS, ide.settle);
    expect(ide.answerTo(2)?.result).toEqual({ tools: [] }); // it shows URL elicitations: no sign-in tool

    await wait(30_000, ide.settle);
    ide.bridge.ended();
    await ide.answerInitialize(SERVER_ANSWER(1));
    expect(ide.notifications('notifications/elicitation/complete')).toEqual([{ jsonrpc: '2.0', method: 'notifications/elicitation/complete', params: { elicitationId: (offer?.params as { elicitationId: string }).elicitationId } }]);
    expect(ide.notifications('notifications/tools/list_changed')).toHaveLength(1);
    await ide.stop();
  });

  it('a sign-in abandoned after the early answer: the IDE lists again and the list says why, with its code', async () => {
    const ide = startBridge({ name: 'claude-code' });
    await ide.initialize();
    ide.bridge.started();
    ide.bridge.url(LINK);
    await wait(EARLY_ANSWER_MS, ide.settle);
    await ide.send({ method: 'notifications/initialized' });

    await wait(300_000, ide.settle);
    const timeout = new TetherError('TETHER_SIGN_IN_TIMEOUT', 'Sign-in was not completed within 300 s.');
    ide.bridge.ended(timeout);
    await ide.failInitialize(timeout);
    expect(ide.notifications('notifications/tools/list_changed')).toHaveLength(1);
    await ide.send({ id: 2, method: 'tools/list' });
    expect(ide.answerTo(2)?.error).toMatchObject({ data: { code: 'TETHER_SIGN_IN_TIMEOUT' } });
    expect(String(ide.answerTo(2)?.error?.message)).toContain('Sign-in was not completed within 300 s.');
    // Said once on stderr, not once per request.
    expect(ide.stderr.filter((line) => line.includes('not completed within 300 s'))).toHaveLength(1);
    await ide.stop();
  });

  it('an IDE mcp-tether does not know is held 8.5 s (its peers give up at 10 s), then answered here', async () => {
    const ide = startBridge({ name: 'some-new-ide' });
    await ide.initialize();
    ide.bridge.started();
    await wait(8_499, ide.settle);
    expect(ide.answerTo(1)).toBeUndefined();
    await wait(1, ide.settle);
    expect(ide.answerTo(1)?.result).toBeDefined();
    await ide.stop();
  });
});

describe('large lines from the IDE', () => {
  it('go to the server as their envelope with their bytes; one with a toJSON member is read whole', async () => {
    const ide = startBridge({ name: 'Kiro' });
    await ide.initialize();
    await ide.answerInitialize(SERVER_ANSWER(1));
    await ide.send({ method: 'notifications/initialized' });
    const big = 'x'.repeat(1024 * 1024);
    await ide.send({ id: 2, method: 'tools/call', params: { name: 'upload', arguments: { data: big } } });
    expect(ide.toServer.at(-1)).toEqual({ jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'upload' } });
    await ide.send({ id: 3, method: 'tools/call', params: { name: 'upload', arguments: { data: big } }, toJSON: 'odd but allowed' });
    expect(ide.toServer.at(-1)).toMatchObject({ id: 3, params: { arguments: { data: big } }, toJSON: 'odd but allowed' });
    await ide.stop();
  });
});
