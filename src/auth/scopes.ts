// The one place that decides which scopes to ask for (MCP 2025-11-25 "Scope Selection Strategy").
// No invented defaults: when nothing names a scope, none is requested.
import { computeScopeUnion } from '@modelcontextprotocol/client';

export interface ScopeSources {
  /** --scope on the command line: the user's word wins. */
  configured?: string;
  /** The `scope` of the server's WWW-Authenticate challenge. */
  challenged?: string;
  /** The protected resource metadata's `scopes_supported`. */
  supported?: string[];
  /** The scopes granted or requested before, for step-up (union). */
  previous?: string;
  /** A 403 insufficient_scope: the new sign-in asks for what it had plus what the server wants (MCP 2026-07-28). */
  stepUp?: boolean;
}

/** The scopes of every list, each once, in order of first appearance (the SDK's computeScopeUnion). */
export const unionScopes = computeScopeUnion;

export function selectScope(sources: ScopeSources): string | undefined {
  if (sources.stepUp) return unionScopes(sources.configured, sources.previous, sources.challenged);
  if (sources.configured) return sources.configured;
  if (sources.challenged) return unionScopes(sources.previous, sources.challenged);
  if (sources.supported?.length) return sources.supported.join(' ');
  return undefined;
}
