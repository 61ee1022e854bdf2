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
  throw new TetherError(`Refusing to use ${what} over ${url.protocol.replace(':', '')}: ${url.href}`, {
    hint: url.protocol === 'http:' ? 'Use an https:// URL, or pass --allow-http if this network is trusted.' : 'Use an https:// URL.',
  });
}
