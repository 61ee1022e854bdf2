// URL elicitation: a server that needs the user to visit a page (AgentCore Gateway's outbound consent) says so with
// error -32042 (MCP 2025-11-25) or a URL-mode request inside input_required (2026-07-28). IDEs that show URL
// elicitations get them unchanged; for the others the message carries what the user needs to finish the consent.
// mcp-tether never opens or fetches these URLs.
import { domainToUnicode } from 'node:url';
import type { JSONRPCMessage } from '@modelcontextprotocol/client';

export const URL_ELICITATION_REQUIRED = -32042;

export interface UrlElicitation {
  url?: unknown;
  message?: unknown;
  elicitationId?: unknown;
  mode?: unknown;
}

/** A URL-mode elicitation/create request, as a 2026-07-28 server puts it inside input_required. */
export function isUrlElicitationRequest(request: { method: string; params?: unknown }): request is { method: 'elicitation/create'; params: UrlElicitation } {
  const params = request.params as UrlElicitation | undefined;
  return request.method === 'elicitation/create' && params?.mode === 'url';
}

/** The -32042 error an IDE gets for URL elicitations that arrived another way (inside input_required). */
export function urlElicitationRequired(id: string | number, elicitations: UrlElicitation[]): JSONRPCMessage {
  return {
    jsonrpc: '2.0',
    id,
    error: { code: URL_ELICITATION_REQUIRED, message: 'The server needs you to complete a step in your browser', data: { elicitations } },
  } as JSONRPCMessage;
}

/**
 * One consent link as text for the user: https links in full; the Unicode form of an internationalised host, which
 * can imitate another (a look-alike, "punycode" host), named as such; anything else not shown as a link at all.
 */
export function describeConsentLink(raw: unknown): string {
  let url: URL;
  try {
    url = new URL(String(raw));
  } catch {
    return '(the server sent something that is not a URL; nothing to open)';
  }
  if (url.protocol !== 'https:') {
    // Written so that no IDE turns it into a link: only https pages are offered to be opened.
    return `(not offered as a link: it is ${url.protocol.slice(0, -1)}, not https) ${url.href.replace('://', '[://]')}`;
  }
  const unicode = domainToUnicode(url.hostname);
  const lookAlike = url.hostname.split('.').some((label) => label.startsWith('xn--'));
  return lookAlike
    ? `${url.href}\n  CAREFUL: its host ${url.hostname} is an internationalised name that reads "${unicode}" and can imitate another site's name; open it only if you expected this site.`
    : url.href;
}

/** The -32042 error with the consent links, who asks for them and what to do, in its message: for an IDE that cannot show them. */
export function withElicitationUrls(message: JSONRPCMessage, serverUrl: URL): JSONRPCMessage {
  const error = (message as { error?: { code: number; message?: string; data?: { elicitations?: UrlElicitation[] } } }).error;
  const elicitations = (error?.data?.elicitations ?? []).filter((e) => e.url !== undefined);
  if (!error || elicitations.length === 0) return message;
  const links = elicitations.map((e) => `- ${typeof e.message === 'string' && e.message ? `${e.message}: ` : ''}${describeConsentLink(e.url)}`);
  const text =
    `${error.message ?? 'The server needs you to complete a step in your browser'}. ` +
    `The MCP server ${serverUrl.origin} asks you to open ${elicitations.length > 1 ? 'these pages' : 'this page'} in your browser ` +
    `(mcp-tether opens nothing itself), finish there, then try again:\n${links.join('\n')}`;
  return { ...message, error: { ...error, message: text } } as JSONRPCMessage;
}
