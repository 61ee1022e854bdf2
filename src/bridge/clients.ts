// What the IDEs that start mcp-tether do while it waits for a sign-in, by the name they give in `initialize`
// (clientInfo.name): how long they wait for start-up, whether they list tools again on
// notifications/tools/list_changed, and whether they show URL elicitations. The bridge decides from this how long
// to hold the IDE's initialize. Each entry names its source; README "How long the IDE is held" shows the table.

export interface KnownClient {
  /** The product, as the README names it. */
  label: string;
  /** clientInfo.name values it sends, compared case-insensitively. */
  names: readonly string[];
  /** It lists tools again when told notifications/tools/list_changed (so an early, empty answer is corrected). */
  relists: boolean;
  /** How long it waits, by default, for initialize before it gives up on the server. */
  startupTimeoutMs: number;
  /** How long its first tools/list may take when that has a budget of its own; absent: initialize's budget covers it. */
  listTimeoutMs?: number;
  /** It declares and shows URL-mode elicitations (MCP 2025-11-25). */
  urlElicitation: boolean;
  /** Where these facts were read or measured. */
  source: string;
}

// Facts read on 2026-12-01 (sources beside each entry); clients change, so the README tells users about
// --initialize-hold. A name marked "unverified" was not seen on the wire.
export const KNOWN_CLIENTS: readonly KnownClient[] = [
  {
    label: 'Claude Code',
    names: ['claude-code'],
    // Measured with 2.1.332: tries server/discover first, then initialize; cancels initialize after 27 s (MCP_TIMEOUT,
    // default 30 s, capped at 60 s: anthropics/claude-code#42770, #16837); re-lists within milliseconds of
    // list_changed when the result declares tools.listChanged (#66084); declares form and url elicitation and shows
    // the link. `claude mcp list` sends the same name and gives tools/list 5 s: it gets the early answer and exits,
    // and the sign-in goes on in the background.
    relists: true,
    startupTimeoutMs: 27_000,
    urlElicitation: true,
    source: 'measured with 2.1.332; anthropics/claude-code#66084, #42770, #16837',
  },
  {
    label: 'Claude Desktop',
    names: ['claude-ai'],
    // 60 s hard limit on initialize (anthropics/claude-code#84136, #43791); list_changed ignored or its result
    // dropped (#50339, anthropics/claude-ai-mcp#960); declares no elicitation (modelcontextprotocol/servers#4153).
    relists: false,
    startupTimeoutMs: 60_000,
    urlElicitation: false,
    source: 'anthropics/claude-code#84136, #50339; anthropics/claude-ai-mcp#960; modelcontextprotocol/servers#4153',
  },
  {
    label: 'VS Code',
    names: ['Visual Studio Code', 'Visual Studio Code - Insiders'],
    // No initialize timeout; re-lists on list_changed when the result declares tools; declares form and url
    // elicitation (microsoft/vscode src/vs/workbench/contrib/mcp/common/mcpServerRequestHandler.ts, mcpServer.ts).
    relists: true,
    startupTimeoutMs: 60_000,
    urlElicitation: true,
    source: 'microsoft/vscode mcpServerRequestHandler.ts, mcpServer.ts; microsoft/vscode#275139',
  },
  {
    label: 'Cursor',
    names: ['cursor-vscode'],
    // Re-listing is reported both ways (cursor/cursor#2980: manual refresh needed); start-up timeout not documented;
    // elicitation form only (forum.cursor.com/t/147888). Treated as not re-listing, with the common 10 s.
    relists: false,
    startupTimeoutMs: 10_000,
    urlElicitation: false,
    source: 'cursor/cursor#2980; forum.cursor.com/t/147888',
  },
  {
    label: 'Windsurf',
    names: ['windsurf-client', 'Windsurf'],
    // About 60 s to initialize (postmanlabs/postman-mcp-server#125, a user report); re-listing unconfirmed, so held.
    relists: false,
    startupTimeoutMs: 60_000,
    urlElicitation: false,
    source: 'postmanlabs/postman-mcp-server#125; apify/mcp-client-capabilities (community registry)',
  },
  {
    label: 'Kiro',
    names: ['Kiro', 'kiro-ide', 'Q DEV CLI'],
    // A fixed 60 s start-up timeout (kirodotdev/Kiro#2566); the IDE does not re-list (#6553, #10221); no URL
    // elicitation (#4785). The IDE's clientInfo name is unverified; "Q DEV CLI" is what Kiro CLI sends (#6935).
    relists: false,
    startupTimeoutMs: 60_000,
    urlElicitation: false,
    source: 'kirodotdev/Kiro#2566, #6553, #10221, #4785, #6935 (IDE name unverified)',
  },
  {
    label: 'Codex',
    names: ['codex-mcp-client'],
    // Measured with 0.171 (app-server): startup_timeout_sec (default 30 s, openai/codex PR #16080) bounds
    // initialize, then again the first tools/list (codex-rs/codex-mcp/src/rmcp_client.rs); never re-lists, not even
    // on config/mcpServer/reload (#10105, #37417); declares form and url elicitation and forwards them to its UI.
    relists: false,
    startupTimeoutMs: 30_000,
    listTimeoutMs: 30_000,
    urlElicitation: true,
    source: 'measured with 0.171; openai/codex#10105, #37417, PR #16080; codex-rs/codex-mcp/src/rmcp_client.rs',
  },
  {
    label: 'Gemini CLI',
    names: ['gemini-cli-mcp-client'],
    // Per-server timeout, default 10 min (measured with 0.61: waits through 15 s); re-lists when the result declares
    // tools; declares no elicitation (google-gemini/gemini-cli packages/core/src/tools/mcp-client.ts; #22249).
    relists: true,
    startupTimeoutMs: 600_000,
    urlElicitation: false,
    source: 'google-gemini/gemini-cli packages/core/src/tools/mcp-client.ts; #22249',
  },
  {
    label: 'gemini mcp list',
    names: ['mcp-test-client'],
    // `gemini mcp list` connects with { timeout ?? 5000 } and pings, then SIGTERMs the server
    // (packages/cli/src/commands/mcp/list.ts; measured with 0.61: 4 s passes, 6 s fails).
    relists: false,
    startupTimeoutMs: 5_000,
    urlElicitation: false,
    source: 'measured with 0.61.0; google-gemini/gemini-cli packages/cli/src/commands/mcp/list.ts',
  },
  {
    label: 'MCP Inspector CLI',
    names: ['inspector-cli'],
    // --cli: 15 s from spawn to connect for an ad-hoc server (DEFAULT_CONNECT_TIMEOUT_MS; measured with 2.12: 14 s
    // passes, 16 s fails), then the SDK's 60 s per request; one request per run (modelcontextprotocol/inspector cli.ts).
    relists: false,
    startupTimeoutMs: 15_000,
    listTimeoutMs: 60_000,
    urlElicitation: false,
    source: 'measured with 2.12.0; modelcontextprotocol/inspector cli.ts (DEFAULT_CONNECT_TIMEOUT_MS, CLI_CLIENT_NAME)',
  },
  {
    label: 'MCP Inspector',
    names: ['mcp-inspector'],
    // The web UI: the SDK's 60 s; list_changed only shows an indicator unless autoRefreshOnListChanged is set;
    // declares form and url elicitation (modelcontextprotocol/inspector App.tsx, managedListState.ts).
    relists: false,
    startupTimeoutMs: 60_000,
    listTimeoutMs: 60_000,
    urlElicitation: true,
    source: 'modelcontextprotocol/inspector App.tsx, core/mcp/state/managedListState.ts',
  },
];

/** How long a client that re-lists waits before it gets an early answer (it is corrected by list_changed). */
export const EARLY_ANSWER_MS = 2_000;
/**
 * A client that is not in the table is treated as one that does not re-list: held for as long as common start-up
 * timeouts allow (the shortest common default is 10 s: Codex, and the SDK-based CLIs' request timeout).
 */
export const UNKNOWN_CLIENT_TIMEOUT_MS = 10_000;

export interface HoldPolicy {
  client: KnownClient | undefined;
  /** The client re-lists on list_changed. */
  relists: boolean;
  /** How long initialize may wait for a sign-in. */
  holdMs: number;
  /** How long a list request may wait for a sign-in; undefined: what is left of `holdMs` since initialize. */
  listHoldMs: number | undefined;
  /** Where the hold came from, for messages. */
  why: string;
}

/** The known client for an initialize's clientInfo, if any. */
export function knownClient(clientInfo: unknown, table: readonly KnownClient[] = KNOWN_CLIENTS): KnownClient | undefined {
  const name = typeof clientInfo === 'object' && clientInfo !== null ? (clientInfo as { name?: unknown }).name : undefined;
  if (typeof name !== 'string') return undefined;
  const wanted = name.trim().toLowerCase();
  return table.find((client) => client.names.some((known) => known.toLowerCase() === wanted));
}

/**
 * Answer a little before the client's own deadline (15 %, at least 1.5 s): its clock started before ours (spawning
 * mcp-tether takes a few hundred milliseconds, more on a loaded machine), and the answer must travel.
 */
export function beforeDeadline(timeoutMs: number): number {
  return Math.max(EARLY_ANSWER_MS, timeoutMs - Math.max(1_500, Math.round(timeoutMs * 0.15)));
}

/**
 * The hold for this client: `overrideMs` (--initialize-hold) when given; else a client that re-lists gets an early
 * answer after EARLY_ANSWER_MS, and one that does not (or is unknown) is held until just before its start-up timeout.
 */
export function holdPolicy(clientInfo: unknown, overrideMs?: number, table: readonly KnownClient[] = KNOWN_CLIENTS): HoldPolicy {
  const client = knownClient(clientInfo, table);
  const relists = client?.relists ?? false;
  if (overrideMs !== undefined) return { client, relists, holdMs: overrideMs, listHoldMs: overrideMs, why: '--initialize-hold' };
  if (relists) return { client, relists, holdMs: EARLY_ANSWER_MS, listHoldMs: EARLY_ANSWER_MS, why: `${client?.label ?? 'the IDE'} lists tools again when they change` };
  const timeout = client?.startupTimeoutMs ?? UNKNOWN_CLIENT_TIMEOUT_MS;
  // SDK-based clients time each request on its own; a known client says whether its first list has its own budget.
  const listTimeout = client ? client.listTimeoutMs : UNKNOWN_CLIENT_TIMEOUT_MS;
  return {
    client,
    relists,
    holdMs: beforeDeadline(timeout),
    listHoldMs: listTimeout === undefined ? undefined : beforeDeadline(listTimeout),
    why: client
      ? `${client.label} does not list tools again when they change and gives a server ${Math.round(timeout / 1000)} s to start`
      : 'an IDE mcp-tether does not know may not list tools again when they change',
  };
}
