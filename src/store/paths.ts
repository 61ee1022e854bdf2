// Where mcp-tether keeps its non-secret state and, if chosen, its credentials file, following each platform's conventions.
import { homedir } from 'node:os';
import { join } from 'node:path';

export function stateDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MCP_TETHER_STATE_DIR) return env.MCP_TETHER_STATE_DIR;
  const home = env.HOME ?? env.USERPROFILE ?? homedir();
  if (process.platform === 'darwin') return join(home, 'Library', 'Application Support', 'mcp-tether');
  if (process.platform === 'win32') return join(env.LOCALAPPDATA ?? join(home, 'AppData', 'Local'), 'mcp-tether');
  return join(env.XDG_STATE_HOME || join(home, '.local', 'state'), 'mcp-tether');
}
