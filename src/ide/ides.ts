// The IDEs `add` and `remove` know: where each keeps its MCP servers (a pure function of platform, environment, home
// and working directory, so each OS's rules are testable anywhere), in which format, and under which key.
import { posix, win32 } from 'node:path';

/** Where a configuration file is looked for: the target machine's facts, never the host's `path.join`. */
export interface PathContext {
  platform: NodeJS.Platform;
  env: Record<string, string | undefined>;
  home: string;
  cwd: string;
  /** Windows: the folders under %LOCALAPPDATA%\Packages named for Claude Desktop's MSIX package (Claude_<publisher id>). */
  claudePackages?: readonly string[];
}

export interface IdeInfo {
  /** What the user is told, e.g. "Cursor (workspace)". */
  label: string;
  format: 'json' | 'toml';
  /** The key (JSON) or table (TOML) that holds the servers by name. */
  serversKey: 'mcpServers' | 'servers' | 'mcp_servers';
  /** Entries carry `"type": "stdio"` (VS Code requires it; Claude Code writes it itself). */
  typed: boolean;
  /** The file sits in a project folder, often committed: its backup is kept in mcp-tether's state directory instead. */
  inProject?: true;
  path: (context: PathContext) => string;
}

const pathOf = (platform: NodeJS.Platform): typeof posix => (platform === 'win32' ? win32 : posix);

/** An absolute directory from an environment variable, or undefined (a relative one is ignored, as the IDEs do). */
function envDir(context: PathContext, name: string): string | undefined {
  const value = context.env[name];
  return value && pathOf(context.platform).isAbsolute(value) ? value : undefined;
}

/** Electron's per-user application data folder, where Claude Desktop and VS Code keep their settings. */
function appData(context: PathContext): string {
  const path = pathOf(context.platform);
  if (context.platform === 'win32') return envDir(context, 'APPDATA') ?? path.join(context.home, 'AppData', 'Roaming');
  if (context.platform === 'darwin') return path.join(context.home, 'Library', 'Application Support');
  return envDir(context, 'XDG_CONFIG_HOME') ?? path.join(context.home, '.config');
}

/**
 * Claude Desktop's file. On Windows it has been an MSIX package since February 2026 (claude.ai/download and the Store):
 * Windows redirects its %APPDATA% to %LOCALAPPDATA%\Packages\Claude_<id>\LocalCache\Roaming, and a file at the plain
 * %APPDATA%\Claude path is never read (anthropics/claude-code#26073). The package's folder wins where there is one.
 */
function claudeDesktopPath(context: PathContext): string {
  const path = pathOf(context.platform);
  const [msix] = [...(context.claudePackages ?? [])].filter((name) => /^Claude_[a-z0-9]+$/i.test(name)).sort();
  if (context.platform === 'win32' && msix !== undefined) {
    return path.join(localAppData(context), 'Packages', msix, 'LocalCache', 'Roaming', 'Claude', 'claude_desktop_config.json');
  }
  return path.join(appData(context), 'Claude', 'claude_desktop_config.json');
}

/** Windows' per-user, machine-local application data folder. */
export function localAppData(context: PathContext): string {
  return envDir(context, 'LOCALAPPDATA') ?? win32.join(context.home, 'AppData', 'Local');
}

const inHome = (...parts: string[]) => (context: PathContext): string => pathOf(context.platform).join(context.home, ...parts);
const inCwd = (...parts: string[]) => (context: PathContext): string => pathOf(context.platform).join(context.cwd, ...parts);

/**
 * Sources, checked against each vendor's documentation (search of their docs, 2026-12):
 * - Kiro: kiro.dev/docs/mcp/configuration: ~/.kiro/settings/mcp.json (user), .kiro/settings/mcp.json (workspace).
 * - Claude Desktop: claude_desktop_config.json in ~/Library/Application Support/Claude (macOS), %APPDATA%\Claude
 *   (Windows, before MSIX; see claudeDesktopPath), ~/.config/Claude (Linux builds).
 * - Claude Code: user scope is the top-level `mcpServers` of ~/.claude.json ($CLAUDE_CONFIG_DIR/.claude.json when
 *   set), entries with "type": "stdio" as `claude mcp add --scope user` writes them; project scope is <project>/.mcp.json.
 * - Cursor: ~/.cursor/mcp.json (also %USERPROFILE%\.cursor on Windows), <project>/.cursor/mcp.json.
 * - VS Code: mcp.json in the user folder (Code/User under the application data folder), <project>/.vscode/mcp.json;
 *   top-level `servers` (code.visualstudio.com/docs/agents/reference/mcp-configuration).
 * - Windsurf: ~/.codeium/windsurf/mcp_config.json (%USERPROFILE% on Windows), `mcpServers`.
 * - Gemini CLI: ~/.gemini/settings.json ($GEMINI_CLI_HOME/.gemini when set), `mcpServers`.
 * - Codex: $CODEX_HOME/config.toml, default ~/.codex/config.toml, tables [mcp_servers.<name>].
 */
export const IDES = {
  kiro: { label: 'Kiro', format: 'json', serversKey: 'mcpServers', typed: false, path: inHome('.kiro', 'settings', 'mcp.json') },
  'kiro-workspace': { inProject: true, label: 'Kiro (workspace)', format: 'json', serversKey: 'mcpServers', typed: false, path: inCwd('.kiro', 'settings', 'mcp.json') },
  'claude-desktop': {
    label: 'Claude Desktop',
    format: 'json',
    serversKey: 'mcpServers',
    typed: false,
    path: claudeDesktopPath,
  },
  'claude-code': {
    label: 'Claude Code',
    format: 'json',
    serversKey: 'mcpServers',
    typed: true,
    path: (context) => pathOf(context.platform).join(envDir(context, 'CLAUDE_CONFIG_DIR') ?? context.home, '.claude.json'),
  },
  'claude-code-project': { inProject: true, label: 'Claude Code (project)', format: 'json', serversKey: 'mcpServers', typed: true, path: inCwd('.mcp.json') },
  cursor: { label: 'Cursor', format: 'json', serversKey: 'mcpServers', typed: false, path: inHome('.cursor', 'mcp.json') },
  'cursor-workspace': { inProject: true, label: 'Cursor (workspace)', format: 'json', serversKey: 'mcpServers', typed: false, path: inCwd('.cursor', 'mcp.json') },
  vscode: {
    label: 'VS Code',
    format: 'json',
    serversKey: 'servers',
    typed: true,
    path: (context) => pathOf(context.platform).join(appData(context), 'Code', 'User', 'mcp.json'),
  },
  'vscode-workspace': { inProject: true, label: 'VS Code (workspace)', format: 'json', serversKey: 'servers', typed: true, path: inCwd('.vscode', 'mcp.json') },
  windsurf: { label: 'Windsurf', format: 'json', serversKey: 'mcpServers', typed: false, path: inHome('.codeium', 'windsurf', 'mcp_config.json') },
  gemini: {
    label: 'Gemini CLI',
    format: 'json',
    serversKey: 'mcpServers',
    typed: false,
    path: (context) => pathOf(context.platform).join(envDir(context, 'GEMINI_CLI_HOME') ?? context.home, '.gemini', 'settings.json'),
  },
  codex: {
    label: 'Codex',
    format: 'toml',
    serversKey: 'mcp_servers',
    typed: false,
    path: (context) => pathOf(context.platform).join(envDir(context, 'CODEX_HOME') ?? pathOf(context.platform).join(context.home, '.codex'), 'config.toml'),
  },
} as const satisfies Record<string, IdeInfo>;

export type IdeId = keyof typeof IDES;

export const IDE_IDS = Object.keys(IDES) as IdeId[];

export function configPath(ide: IdeId, context: PathContext): string {
  return IDES[ide].path(context);
}
