#!/usr/bin/env node
// The "browser" for conformance runs ($BROWSER): fetches the sign-in URL and follows redirects, loopback hosts only.
// The conformance authorization server approves at once, so the redirect chain ends on mcp-tether's callback.
import { appendFileSync } from 'node:fs';

const MAX_REDIRECTS = 10;

function isLoopback(url) {
  const host = url.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/** Diagnostics go to $CONFORMANCE_BROWSER_LOG when set: xdg-open detaches us, so stderr is usually lost. */
function note(line) {
  const log = process.env.CONFORMANCE_BROWSER_LOG;
  const t0 = Number(process.env.CONFORMANCE_T0);
  const text = `browser${t0 ? ` +${Date.now() - t0}ms` : ''}: ${line}\n`;
  if (log) appendFileSync(log, text);
  else process.stderr.write(text);
}

async function main() {
  const start = process.argv[2];
  if (!start) {
    note('usage: browser.mjs <url>');
    return 2;
  }
  // Follow redirects hop by hop (what fetch's redirect: 'follow' does) so that every hop is checked for loopback.
  let url = new URL(start);
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    if (!isLoopback(url) || (url.protocol !== 'http:' && url.protocol !== 'https:')) {
      note(`refusing a non-loopback URL: ${url.href}`);
      return 1;
    }
    const response = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(20_000) });
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      note(`${response.status} ${url.href} -> ${location}`);
      url = new URL(location, url);
      continue;
    }
    const body = await response.text();
    note(`${response.status} ${url.href}${body ? `: ${body.replace(/\s+/g, ' ').slice(0, 300)}` : ''}`);
    return 0;
  }
  note(`more than ${MAX_REDIRECTS} redirects`);
  return 1;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    note(`failed: ${error instanceof Error ? `${error.message}${error.cause ? ` (${String(error.cause)})` : ''}` : String(error)}`);
    process.exit(1);
  },
);
