// What the IDE is told when it must be answered before the server can be (the user is still signing in):
// the server's last known answer if there is one (kept in a small cache file per server), with list_changed promised
// so the lists can be corrected later.
import { unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { readJsonFileSync, writeFileAtomic } from '../store/atomic-file.js';
import { serverKey } from '../store/server-state.js';
import type { Era } from './transport.js';
import { LIFECYCLE_PROTOCOL_VERSION } from '../protocol.js';

export type ListFamily = 'tools' | 'prompts' | 'resources' | 'resources/templates';
export const LIST_FAMILIES: readonly ListFamily[] = ['tools', 'prompts', 'resources', 'resources/templates'];

export interface CachedServer {
  /** 2026-07-28 (stateless) or the 2025-11-25 lifecycle: lets the next start skip a probe. */
  era?: Era;
  protocolVersion: string;
  capabilities: Record<string, unknown>;
  serverInfo: Record<string, unknown>;
  instructions?: string;
}

/** The list family of a list request ("tools/list" -> "tools"), if it is one. */
export function listFamily(method: string): ListFamily | undefined {
  switch (method) {
    case 'tools/list':
      return 'tools';
    case 'prompts/list':
      return 'prompts';
    case 'resources/list':
      return 'resources';
    case 'resources/templates/list':
      return 'resources/templates';
    default:
      return undefined;
  }
}

export function earlyInitializeResult(ideParams: Record<string, unknown>, cached: CachedServer | undefined, version: string): Record<string, unknown> {
  const requested = typeof ideParams.protocolVersion === 'string' ? ideParams.protocolVersion : undefined;
  const capabilities: Record<string, unknown> = { ...(cached?.capabilities ?? { tools: {}, prompts: {}, resources: {} }) };
  // Lists answered now are empty; list_changed lets the IDE fetch the real ones after the sign-in.
  for (const family of ['tools', 'prompts', 'resources'] as const) {
    if (family in capabilities) capabilities[family] = { ...(capabilities[family] as Record<string, unknown>), listChanged: true };
  }
  return {
    // The IDE's own version: the server is asked for the same one when the session really starts.
    protocolVersion: requested ?? cached?.protocolVersion ?? LIFECYCLE_PROTOCOL_VERSION,
    capabilities,
    serverInfo: cached?.serverInfo ?? { name: 'mcp-tether', version },
    ...(cached?.instructions ? { instructions: cached.instructions } : {}),
  };
}

function cachePath(stateDir: string, serverUrl: string): string {
  return join(stateDir, 'servers', `${serverKey(serverUrl)}.server.json`);
}

/** The server's last initialize answer (capabilities, server info), for answering the IDE during a sign-in. */
export function readServerCache(stateDir: string, serverUrl: string): CachedServer | undefined {
  return readJsonFileSync<CachedServer>(cachePath(stateDir, serverUrl));
}

/** Writes only when the content changed, so an ordinary start does no disk write. */
export async function writeServerCache(stateDir: string, serverUrl: string, value: CachedServer, previous: CachedServer | undefined): Promise<void> {
  const text = JSON.stringify(value, null, 2);
  if (previous !== undefined && JSON.stringify(previous, null, 2) === text) return;
  await writeFileAtomic(cachePath(stateDir, serverUrl), text);
}

export async function deleteServerCache(stateDir: string, serverUrl: string): Promise<void> {
  await unlink(cachePath(stateDir, serverUrl)).catch(() => undefined);
}
