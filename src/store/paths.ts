// Where mcp-tether keeps its non-secret state and, if chosen, its credentials file, following each platform's conventions.
import { homedir } from 'node:os';
import { posix, win32 } from 'node:path';

/**
 * The state directory: MCP_TETHER_STATE_DIR, else macOS ~/Library/Application Support/mcp-tether, Windows
 * %LOCALAPPDATA%\mcp-tether (machine-local, never roamed: it names keychain entries of this machine), elsewhere
 * $XDG_STATE_HOME/mcp-tether (~/.local/state). Pure in its arguments, so each platform's rules are tested anywhere.
 */
export function stateDirectory(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform, home: () => string = homedir): string {
  if (env.MCP_TETHER_STATE_DIR) return env.MCP_TETHER_STATE_DIR;
  if (platform === 'win32') {
    return win32.join(env.LOCALAPPDATA || win32.join(env.USERPROFILE || env.HOME || home(), 'AppData', 'Local'), 'mcp-tether');
  }
  const user = env.HOME || home();
  if (platform === 'darwin') return posix.join(user, 'Library', 'Application Support', 'mcp-tether');
  // XDG: a relative XDG_STATE_HOME is invalid and ignored.
  const xdg = env.XDG_STATE_HOME && posix.isAbsolute(env.XDG_STATE_HOME) ? env.XDG_STATE_HOME : posix.join(user, '.local', 'state');
  return posix.join(xdg, 'mcp-tether');
}
