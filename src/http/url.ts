// URL rules shared by the CLI and the OAuth stack: what counts as loopback, and when plain HTTP is allowed.
import { TetherError } from '../errors.js';

export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/** HTTPS everywhere, except loopback or when the user passed --allow-http. */
export function assertSecureUrl(url: URL, what: string, allowHttp: boolean): void {
  if (url.protocol === 'https:') return;
  if (url.protocol === 'http:' && (allowHttp || isLoopbackHost(url.hostname))) return;
  throw new TetherError('TETHER_INSECURE_URL', `Refusing to use ${what} over ${url.protocol.replace(':', '')}: ${url.href}`, {
    hint: url.protocol === 'http:' ? 'Use an https:// URL, or pass --allow-http if this network is trusted.' : 'Use an https:// URL.',
  });
}

/**
 * The MCP server URL from the command line. A URL without its scheme ("localhost:3000/mcp", "gw.example/mcp") is
 * named as such, with the URL it probably means; only http(s) is spoken.
 */
export function serverUrlOf(raw: string, allowHttp: boolean): URL {
  const text = raw.trim();
  const hasScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
  const bare = /^(\[[0-9a-f:]+\]|[a-z0-9-]+(\.[a-z0-9-]+)*)(:\d{1,5})?(\/|$)/i.exec(text);
  const host = bare?.[1] ?? '';
  if (!hasScheme && bare && (host.includes('.') || host.startsWith('[') || host.toLowerCase() === 'localhost' || bare[3] !== undefined)) {
    const guess = `${isLoopbackHost(host) ? 'http' : 'https'}://${text}`;
    throw new TetherError('TETHER_INVALID_URL', `"${raw}" has no scheme.`, { hint: `Did you mean ${guess} ?` });
  }
  const url = hasScheme && URL.canParse(text) ? new URL(text) : undefined;
  if (!url) throw new TetherError('TETHER_INVALID_URL', `"${raw}" is not a URL.`, { hint: 'Pass the remote MCP server\'s URL, e.g. mcp-tether https://gateway.example/mcp' });
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new TetherError('TETHER_INVALID_URL', `"${raw}" is not an http(s) URL.`, { hint: 'MCP servers are reached over https:// (or http:// on this machine), e.g. https://gateway.example/mcp' });
  }
  assertSecureUrl(url, 'the MCP server', allowHttp);
  return url;
}
