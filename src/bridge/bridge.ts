// Moves JSON-RPC messages between the IDE (stdio) and the remote MCP server (Upstream), unchanged and in order.
// Every IDE request gets an answer: the server's, or a JSON-RPC error saying why there is none. While the user
// signs in, the IDE's initialize (and its list requests) wait as long as that IDE allows (clients.ts), then are
// answered here so it does not give up, and corrected with list_changed notifications once the server has answered.
import type { Readable, Writable } from 'node:stream';
import type { JSONRPCMessage } from '@modelcontextprotocol/client';
import type { SignInObserver } from '../auth/settings.js';
import { asTetherError, describeError, messageOf } from '../errors.js';
import type { Logger } from '../log.js';
import { EARLY_ANSWER_MS, holdPolicy, type HoldPolicy } from './clients.js';
import { readEnvelope, SKIM_FROM_BYTES } from './envelope.js';
import { earlyInitializeResult, LIST_FAMILIES, listFamily, type CachedServer, type ListFamily } from './handshake.js';
import { classify, errorResponse, idOf, INVALID_PARAMS, INVALID_REQUEST, METHOD_NOT_FOUND, objectOf, PARSE_ERROR, resultOf, UPSTREAM_ERROR, type Json, type RequestId } from './jsonrpc.js';
import { MessageWriter, readLines } from './stdio.js';
import type { ToolFilter } from './tool-filter.js';
import type { Upstream } from './upstream.js';
import { SIGN_IN_TOOL, signInTool, signInToolResult } from './sign-in-tool.js';
import { URL_ELICITATION_REQUIRED, withElicitationUrls } from './url-elicitation.js';

/** How much longer a tool list may wait for the sign-in link (discovery and registration can be slow). */
const LINK_WAIT_MS = 8_000;

/** What the bridge needs of the server side: `Upstream`, or anything shaped like it (the phase tests' stand-in). */
export type BridgeUpstream = Pick<Upstream, 'onmessage' | 'initialize' | 'send' | 'close' | 'era' | 'serverUrl' | 'bytesOf' | 'whole'>;

export interface BridgeOptions {
  upstream: BridgeUpstream;
  input: Readable;
  output: Writable;
  log: Logger;
  toolFilter: ToolFilter;
  /** What the server said last time (capabilities, server info), for answering initialize during a sign-in. */
  cached?: CachedServer;
  /** Remember what the server said, for next time. */
  remember?: (server: CachedServer) => void;
  version: string;
  /** Called once the IDE has an answer to its initialize (start-up is over: slower work may begin). */
  onInitializeAnswered?: () => void;
  /** --initialize-hold: how long the IDE's initialize may wait for a sign-in, overriding the per-IDE table. */
  initializeHoldMs?: number;
}


/**
 * The IDE's start-up (its initialize) as the IDE sees it. Every change of phase goes through `moveTo`:
 *   none | any -> waiting          the IDE sent initialize; it went to the server
 *   waiting -> connected           the server's answer reached the IDE
 *   waiting -> refused             the server could not be reached; the IDE got the error
 *   waiting -> answered-early      the IDE's hold ran out during a sign-in; answered here from what is known
 *   answered-early -> connected    the server answered after all; the IDE is told to list again
 *   answered-early -> failed       it never did; the IDE lists again and gets the reason
 */
export type StartUpPhase = 'none' | 'waiting' | 'answered-early' | 'connected' | 'refused' | 'failed';

const TRANSITIONS: Readonly<Record<StartUpPhase, readonly StartUpPhase[]>> = {
  none: ['waiting'],
  waiting: ['waiting', 'connected', 'refused', 'answered-early'],
  'answered-early': ['waiting', 'connected', 'failed'],
  connected: ['waiting'],
  refused: ['waiting'],
  failed: ['waiting'],
};

/** The IDE's initialize, and what it was told. */
interface Handshake {
  id: RequestId;
  params: Json;
  sentAt: number;
  /** When it was answered here (answered-early). */
  answeredAt?: number;
  /** What it was told then. */
  told?: Json;
  /** Why the server could not be reached (refused, failed). */
  failure?: unknown;
}

/** A sign-in in progress, as far as the IDE is concerned. */
interface SignInView {
  since: number;
  /** Its link, once known, and whether it was offered as a URL elicitation (with that elicitation's id). */
  link?: { url: string; id: string; sent: boolean };
  /** Lists were answered here during it: the IDE is told to list again once it is over. */
  listedHere: boolean;
}

export class Bridge implements SignInObserver {
  private readonly upstream: BridgeUpstream;
  private readonly log: Logger;
  private readonly output: MessageWriter;
  /** Messages wait here until the server has answered the IDE's initialize. */
  private gate: Promise<unknown> = Promise.resolve();
  /** IDE requests sent to the server and not yet answered, by id, with their method and when they came. */
  private readonly pending = new Map<RequestId, { method: string; at: number }>();
  private phase: StartUpPhase = 'none';
  private handshake: Handshake | undefined;
  /** How long this IDE may be kept waiting on a sign-in (from its clientInfo; see clients.ts). */
  private policy: HoldPolicy;
  /** The sign-in in progress, if any. */
  private signIn: SignInView | undefined;
  /** stdin ended: nothing more is written to the IDE. */
  private closed = false;
  /** The last failure said on stderr, so that a failure repeated request after request is said once. */
  private lastFailure: string | undefined;
  private ideInitialized = false;
  /** Requests answered here while they waited for the server; their own answers are not sent or are dropped. */
  private readonly answeredHere = new Set<RequestId>();
  /** Families the IDE was told about that the server turned out not to have. */
  private readonly missingFamilies = new Set<ListFamily>();
  /** After a failed start the IDE was told to re-list: the first list of each family carries the reason. */
  private readonly failedFamilies = new Map<ListFamily, unknown>();
  private signInCount = 0;
  /** The sign-in tool was listed (to an IDE without URL elicitation) and must be withdrawn with list_changed. */
  private signInToolListed = false;
  /** Tool lists held back during the sign-in until its link is known, so that they can carry the sign-in tool. */
  private readonly awaitingLink = new Set<() => void>();

  constructor(private readonly options: BridgeOptions) {
    this.upstream = options.upstream;
    this.log = options.log;
    this.output = new MessageWriter(options.output);
    this.policy = holdPolicy(undefined, options.initializeHoldMs);
  }

  /** Runs until the IDE closes stdin; resolves once the remote session is closed. */
  async run(): Promise<void> {
    this.upstream.onmessage = (message) => this.fromServer(message);
    await new Promise<void>((resolve) => readLines(this.options.input, (bytes) => this.fromIde(bytes), resolve));
    this.output.flush(); // what was due before the IDE let go
    this.closed = true;
    await this.close();
  }

  /** Closes the remote session (DELETE), within a bounded time. */
  async close(): Promise<void> {
    if (!this.closed) this.output.flush();
    await Promise.race([this.upstream.close(), delay(3_000)]);
  }

  // --- sign-in observer (called by the OAuth session) ---

  started(): void {
    this.signIn = { since: Date.now(), listedHere: false };
    const handshake = this.handshake;
    if (handshake && this.phase === 'waiting') {
      this.holdInitialize(handshake);
      return;
    }
    // A sign-in started by a request after start-up (a retry, a step-up): lists waiting on it are held as at a start.
    this.holdPendingLists();
  }

  url(url: string): void {
    if (!this.signIn) return;
    this.signIn.link = { url, id: `mcp-tether-sign-in-${++this.signInCount}`, sent: false };
    this.offerSignInUrl();
    for (const answer of this.awaitingLink) answer();
    this.awaitingLink.clear();
  }

  ended(error?: unknown): void {
    const signIn = this.signIn;
    this.signIn = undefined;
    const offer = signIn?.link;
    if (offer?.sent) this.write({ jsonrpc: '2.0', method: 'notifications/elicitation/complete', params: { elicitationId: offer.id } });
    // At start-up the server's initialize answer (or its failure) brings the IDE up to date; after it, this does: the
    // IDE lists again and gets the real lists, or the reason the sign-in failed.
    const startUpOver = this.phase === 'connected' || this.phase === 'failed';
    if (startUpOver && signIn?.listedHere) {
      if (error !== undefined) for (const family of LIST_FAMILIES) this.failedFamilies.set(family, error);
      this.announceListChanges(objectOf(this.handshake?.told?.capabilities));
    }
  }

  // --- IDE -> server ---

  /**
   * The IDE's line as a JSON value: a large one read as its envelope only (envelope.ts; it is forwarded as its bytes),
   * any other parsed whole. Undefined for a blank line, or one that is not JSON (answered with a parse error).
   */
  private parseLine(bytes: Buffer): { value: unknown } | undefined {
    const envelope = bytes.length >= SKIM_FROM_BYTES ? readEnvelope(bytes) : undefined;
    // An initialize is read whole (the bridge keeps its parameters), and so is a message with a member named toJSON
    // (JSON.stringify would call it instead of the raw send's stand-in, verbatim.ts).
    if (envelope && envelope.method !== 'initialize' && !Object.hasOwn(envelope, 'toJSON')) return { value: envelope };
    const line = bytes.toString('utf8');
    if (!line.trim()) return undefined;
    try {
      return { value: JSON.parse(line) };
    } catch (error) {
      this.log.info(`Ignored a line from the IDE that is not JSON (${messageOf(error)}).`);
      this.write(errorResponse(null, PARSE_ERROR, `Parse error: ${messageOf(error)}`));
      return undefined;
    }
  }

  private fromIde(bytes: Buffer): void {
    const parsed = this.parseLine(bytes);
    if (!parsed) return;
    const message = classify(parsed.value);
    if (message.kind === 'invalid') {
      this.log.info(`Ignored an invalid JSON-RPC message from the IDE: ${message.reason}.`);
      this.write(errorResponse(message.id, INVALID_REQUEST, `Invalid request: ${message.reason}`));
      return;
    }
    this.log.debug(() => `IDE -> server: ${message.kind} ${'method' in message ? message.method : ''} ${'id' in message ? String(message.id) : ''}`);

    if (message.kind === 'response' && message.id === this.signIn?.link?.id) return; // the IDE's answer to our own elicitation
    if (message.kind === 'request' && message.method === 'initialize') {
      this.initialize(message.id, message.message);
      return;
    }
    if (message.kind === 'notification' && message.method === 'notifications/initialized') {
      this.ideInitialized = true;
      this.offerSignInUrl();
    }
    if (message.kind === 'request' && this.answerLocally(message.id, message.method, message.message)) return;

    const id = message.kind === 'request' ? message.id : undefined;
    if (id !== undefined) this.pending.set(id, { method: message.kind === 'request' ? message.method : '', at: Date.now() });
    const queuedDuringHandshake = this.phase === 'waiting' || this.phase === 'answered-early';
    const delivered = this.gate
      .then(() => {
        if (id !== undefined && this.answeredHere.delete(id)) return;
        const failure = this.handshake?.failure;
        if (queuedDuringHandshake && failure !== undefined) throw new AlreadyReported(failure);
        return this.upstream.send(message.message, id === undefined ? { bytes } : { bytes, onRequestStreamEnd: () => this.streamEnded(id) });
      })
      .catch((error: unknown) => this.deliveryFailed(id, error));
    // The server opens its stream for server-to-client requests once `initialized` is accepted: nothing overtakes it.
    if (message.kind === 'notification' && message.method === 'notifications/initialized') this.gate = delivered;
  }

  /** Requests answered here rather than by the server. True when answered. */
  private answerLocally(id: RequestId, method: string, message: JSONRPCMessage): boolean {
    if (method === 'server/discover' && this.phase === 'none') {
      // A dual-era IDE (Claude Code) tries MCP 2026-07-28 first. mcp-tether offers the IDE the 2025-11-25 lifecycle
      // (whatever the server speaks), so the IDE falls back to initialize at once instead of waiting.
      this.write(errorResponse(id, METHOD_NOT_FOUND, 'Method not found: mcp-tether speaks the 2025-11-25 lifecycle to the IDE; send initialize.'));
      return true;
    }
    const waitingOnSignIn = this.waitingOnSignIn();
    if (method === 'tools/call') {
      const name = objectOf(objectOf(message).params).name;
      if (name === SIGN_IN_TOOL) {
        this.write({ jsonrpc: '2.0', id, result: signInToolResult({ signingIn: this.signIn !== undefined, url: this.signIn?.link?.url }) });
        return true;
      }
      if (typeof name === 'string' && !this.options.toolFilter.allows(name)) {
        this.write(errorResponse(id, INVALID_PARAMS, `Tool "${name}" is not available: mcp-tether filters it out (--ignore-tool / --allow-tool).`));
        return true;
      }
    }
    const family = listFamily(method);
    if (family && this.failedFamilies.has(family)) {
      const reason = asTetherError(this.failedFamilies.get(family));
      this.failedFamilies.delete(family);
      this.write(errorResponse(id, UPSTREAM_ERROR, `mcp-tether could not connect to the server: ${reason.describe()}\n  (Your next request tries again; or restart the server in your IDE.)`, reason.toData()));
      return true;
    }
    if (family && this.missingFamilies.has(family)) {
      this.write(emptyList(id, family));
      return true;
    }
    if (family && waitingOnSignIn) {
      this.holdList(id, family, Date.now());
      return false;
    }
    if (method === 'ping' && waitingOnSignIn) {
      this.write({ jsonrpc: '2.0', id, result: {} });
      return true;
    }
    return false;
  }

  /** A sign-in is in progress and the IDE already has its initialize answer (ours or the server's). */
  private waitingOnSignIn(): boolean {
    return this.signIn !== undefined && (this.phase === 'answered-early' || this.phase === 'connected' || this.phase === 'failed');
  }

  /** The IDE's initialize waits for the sign-in until the IDE's hold runs out, then is answered here. */
  private holdInitialize(handshake: Handshake): void {
    const wait = Math.max(0, handshake.sentAt + this.policy.holdMs - Date.now());
    if (wait > EARLY_ANSWER_MS) this.log.info(`Holding the IDE's start-up for up to ${Math.round(wait / 1000)} s while you sign in (${this.policy.why}).`);
    else this.log.debug(`answering the IDE in ${wait} ms if the sign-in is still going (${this.policy.why})`);
    setTimeout(() => this.answerInitializeLocally(), wait).unref();
  }

  /**
   * A list request waits for the sign-in until its deadline, then is answered here: empty, or the sign-in tool, and
   * announced again with list_changed once the sign-in is over. An IDE that re-lists waits EARLY_ANSWER_MS; one that
   * does not waits out its hold, which at start-up covers initialize and the first lists together.
   */
  private holdList(id: RequestId, family: ListFamily, at: number): void {
    const handshake = this.handshake;
    const since = this.signIn?.since ?? Number.POSITIVE_INFINITY;
    const atStartUp = this.phase === 'answered-early' && handshake?.answeredAt !== undefined && since <= handshake.answeredAt;
    const listHold = this.policy.listHoldMs;
    // A list with no budget of its own shares what is left of initialize's hold; after a start-up, a new sign-in (a
    // retry) holds lists as long as a start.
    const deadline =
      listHold !== undefined ? at + listHold : atStartUp && handshake ? Math.max(at, handshake.sentAt + this.policy.holdMs) : at + this.policy.holdMs;
    const answer = (): void => {
      if (!this.waitingOnSignIn() || !this.pending.has(id)) return;
      this.pending.delete(id);
      this.answeredHere.add(id);
      if (this.signIn) this.signIn.listedHere = true;
      this.write(this.listDuringSignIn(id, family));
    };
    setTimeout(() => {
      if (!this.policy.relists || !this.showsSignInTool(family) || this.signIn?.link) {
        answer();
        return;
      }
      // The sign-in link is not known yet: hold the list a little longer, so that it can carry the sign-in tool.
      this.awaitingLink.add(answer);
      setTimeout(() => {
        if (this.awaitingLink.delete(answer)) answer();
      }, LINK_WAIT_MS).unref();
    }, Math.max(0, deadline - Date.now())).unref();
  }

  /** The tool list carries the sign-in tool during the sign-in: the IDE has no URL elicitation to show the link. */
  private showsSignInTool(family: ListFamily): boolean {
    return family === 'tools' && !this.ideSupportsUrlElicitation();
  }

  /** A list the IDE asked for during the sign-in: empty, but for the sign-in tool when the IDE cannot show URLs. */
  private listDuringSignIn(id: RequestId, family: ListFamily): Record<string, unknown> {
    const url = this.signIn?.link?.url;
    if (!this.showsSignInTool(family) || !url) return emptyList(id, family);
    this.signInToolListed = true;
    return { jsonrpc: '2.0', id, result: { tools: [signInTool(url)] } };
  }

  private initialize(id: RequestId, message: JSONRPCMessage): void {
    const params = objectOf(objectOf(message).params);
    const handshake: Handshake = { id, params, sentAt: Date.now() };
    this.handshake = handshake;
    this.moveTo('waiting');
    this.policy = holdPolicy(params.clientInfo, this.options.initializeHoldMs);
    if (this.signIn) this.holdInitialize(handshake);
    this.gate = this.upstream.initialize(message as JSONRPCMessage & { id: RequestId }).then(
      (answer) => this.initializeAnswered(handshake, answer),
      (error: unknown) => {
        if (this.handshake !== handshake) return; // the IDE initialized again meanwhile
        handshake.failure = error;
        if (this.phase === 'waiting') {
          this.moveTo('refused');
          this.deliveryFailed(id, error);
          return;
        }
        this.moveTo('failed');
        this.lastFailure = describeError(error);
        this.log.always(`Could not connect to the server: ${this.lastFailure}`);
        if (this.signIn) this.signIn.listedHere = false;
        // The IDE believes it is connected and waits for the lists it was promised: have it ask again, and answer
        // that with the reason, so the failure shows in the IDE and not only on stderr.
        for (const family of LIST_FAMILIES) this.failedFamilies.set(family, error);
        this.announceListChanges(objectOf(handshake.told?.capabilities));
      },
    );
  }

  /** The IDE has waited its hold while the user signs in: answer its initialize from what is known. */
  private answerInitializeLocally(): void {
    const handshake = this.handshake;
    if (!handshake || this.phase !== 'waiting' || !this.signIn || this.closed) return;
    this.moveTo('answered-early');
    handshake.answeredAt = Date.now();
    this.log.info(
      this.policy.relists
        ? 'Answering the IDE while you sign in; tools appear once the sign-in completes.'
        : 'Answering the IDE before it gives up; its tools appear once you have signed in (restart the server in the IDE if they do not).',
    );
    handshake.told = earlyInitializeResult(handshake.params, this.options.cached, this.options.version);
    this.write({ jsonrpc: '2.0', id: handshake.id, result: handshake.told });
    this.options.onInitializeAnswered?.();
    // Lists the IDE sent without waiting for this answer wait for the sign-in as any list would.
    this.holdPendingLists();
  }

  private holdPendingLists(): void {
    for (const [id, { method, at }] of this.pending) {
      const family = listFamily(method);
      if (family) this.holdList(id, family, at);
    }
  }

  private initializeAnswered(handshake: Handshake, answer: JSONRPCMessage): void {
    if (this.handshake !== handshake) return; // the IDE initialized again meanwhile
    const answeredEarly = this.phase === 'answered-early';
    this.moveTo('connected');
    const result = resultOf(answer);
    if (result) {
      this.options.remember?.({
        ...(this.upstream.era ? { era: this.upstream.era } : {}),
        protocolVersion: String(result.protocolVersion),
        capabilities: objectOf(result.capabilities),
        serverInfo: objectOf(result.serverInfo),
        ...(typeof result.instructions === 'string' ? { instructions: result.instructions } : {}),
      });
    }
    if (!answeredEarly) {
      this.write({ ...answer, id: handshake.id });
      this.options.onInitializeAnswered?.();
      return;
    }
    // The IDE already has an answer: bring it up to date with the server's real one.
    const capabilities = objectOf(result?.capabilities);
    for (const family of LIST_FAMILIES) {
      const capability = family === 'resources/templates' ? 'resources' : family;
      if (!(capability in capabilities)) this.missingFamilies.add(family);
    }
    const told = typeof handshake.params.protocolVersion === 'string' ? handshake.params.protocolVersion : '';
    if (result && result.protocolVersion !== told) {
      this.log.info(`The server chose protocol version ${String(result.protocolVersion)}, not ${told} as the IDE was told during sign-in; restart the server in your IDE if something misbehaves.`);
    }
    // Whatever the IDE listed meanwhile (empty, or answered after it stopped waiting): have it list again.
    this.announceListChanges(capabilities);
    if (this.signIn) this.signIn.listedHere = false;
  }

  /** The one place the start-up phase changes (see StartUpPhase). */
  private moveTo(next: StartUpPhase): void {
    // A move the table does not allow is a bug in this file; it is said (with --debug) rather than thrown, so the IDE
    // keeps its connection.
    const allowed = TRANSITIONS[this.phase].includes(next);
    this.log.debug(() => `start-up: ${this.phase} -> ${next}${allowed ? '' : ' (not an expected move: please report it)'}`);
    this.phase = next;
  }

  private announceListChanges(capabilities: Json): void {
    for (const family of ['tools', 'prompts', 'resources'] as const) {
      // The sign-in tool must go even from a server without tools.
      const stale = family === 'tools' && this.signInToolListed;
      if (family in capabilities || stale) this.write({ jsonrpc: '2.0', method: `notifications/${family}/list_changed` });
    }
    this.signInToolListed = false;
  }

  private offerSignInUrl(): void {
    const offer = this.signIn?.link;
    if (!offer || offer.sent || !this.ideInitialized || !this.ideSupportsUrlElicitation()) return;
    offer.sent = true;
    this.write({
      jsonrpc: '2.0',
      id: offer.id,
      method: 'elicitation/create',
      params: { mode: 'url', elicitationId: offer.id, url: offer.url, message: 'Sign in to use this server\'s tools. mcp-tether opened this page in your browser; open it here if it did not appear.' },
    });
  }

  private streamEnded(id: RequestId): void {
    // The response, if any, was dispatched before the stream ended; give the event loop one turn to be sure.
    setImmediate(() => {
      if (this.pending.has(id)) this.deliveryFailed(id, new Error('the connection to the server ended before it answered'));
    });
  }

  private deliveryFailed(id: RequestId | undefined, failure: unknown): void {
    // A start-up failure was said on stderr once already; the requests queued behind it only carry it to the IDE.
    const error = asTetherError(failure instanceof AlreadyReported ? failure.error : failure);
    const text = error.describe();
    // Said once: the same failure on every request that follows would bury it.
    if (!(failure instanceof AlreadyReported) && text !== this.lastFailure) this.log.info(text);
    this.lastFailure = text;
    if (id === undefined || !this.pending.delete(id) && this.handshake?.id !== id) return;
    this.write(errorResponse(id, UPSTREAM_ERROR, `mcp-tether: ${text}`, error.toData()));
  }

  // --- server -> IDE ---

  private fromServer(message: JSONRPCMessage): void {
    let out: JSONRPCMessage = message;
    const id = idOf(message);
    if (id !== undefined && !('method' in message)) {
      const method = this.pending.get(id)?.method;
      if (method === undefined) {
        this.log.debug(`dropped an answer to no pending request (${String(id)})`);
        return;
      }
      this.pending.delete(id);
      if (method === 'tools/list' && 'result' in message && this.options.toolFilter.active) out = this.options.toolFilter.filterList(this.upstream.whole(message));
      if ('error' in message && message.error.code === URL_ELICITATION_REQUIRED && !this.ideSupportsUrlElicitation()) out = withElicitationUrls(this.upstream.whole(message), this.options.upstream.serverUrl);
    }
    this.log.debug(() => `server -> IDE: ${'method' in message ? message.method : 'response'} ${id === undefined ? '' : String(id)}`);
    // A large result that came as its envelope goes out as the server's bytes, unless it was rewritten here.
    this.write(out, out === message ? this.upstream.bytesOf(message) : undefined);
  }

  /** The IDE declared URL elicitation, and is not known to leave such requests unshown (clients.ts). */
  ideSupportsUrlElicitation(): boolean {
    const elicitation = objectOf(objectOf(this.handshake?.params.capabilities).elicitation);
    return elicitation.url !== undefined && this.policy.client?.urlElicitation !== false;
  }

  /** Writes a message to the IDE; `json` is its JSON when known already (a server's result, as its bytes). */
  private write(message: unknown, json?: Uint8Array): void {
    if (this.closed) return; // the IDE has gone: nothing may be written to a closed stdout
    this.output.write(message, json);
  }
}

/** A failure already said on stderr, passed on to the requests that waited behind it. */
class AlreadyReported {
  constructor(readonly error: unknown) {}
}

function emptyList(id: RequestId, family: ListFamily): Record<string, unknown> {
  return { jsonrpc: '2.0', id, result: { [family === 'resources/templates' ? 'resourceTemplates' : family]: [] } };
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
