// Runs one mcp-tether command (login, logout, status) to completion, as a user at a terminal would.
import { spawn } from 'node:child_process';
import { CLI, type Workspace } from './ide.js';

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(ws: Workspace, args: string[], env: Record<string, string> = {}, timeoutMs = 60_000, cwd?: string): Promise<CommandResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...ws.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], ...(cwd ? { cwd } : {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`mcp-tether ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stderr}`));
    }, timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
