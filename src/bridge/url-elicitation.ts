// URL elicitation (MCP 2025-11-25): a server that needs the user to visit a page (AgentCore Gateway's outbound
// consent) answers with error -32042 carrying the URLs. Forwarded unchanged to IDEs that declared URL elicitation;
// for others the URLs go into the error message so the user still sees them. mcp-tether never opens or fetches them.
import type { JSONRPCMessage } from '@modelcontextprotocol/client';

export const URL_ELICITATION_REQUIRED = -32042;

export function withElicitationUrls(message: JSONRPCMessage): JSONRPCMessage {
  const error = (message as { error?: { code: number; message?: string; data?: { elicitations?: Array<{ url?: unknown; message?: unknown }> } } }).error;
  const urls = (error?.data?.elicitations ?? []).map((e) => e.url).filter((url): url is string => typeof url === 'string');
  if (!error || urls.length === 0) return message;
  const text = `${error.message ?? 'The server needs you to complete a step in your browser'}. Open ${urls.length > 1 ? 'these pages' : 'this page'} to continue, then try again: ${urls.join(' ')}`;
  return { ...message, error: { ...error, message: text } } as JSONRPCMessage;
}
