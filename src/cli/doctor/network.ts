// The doctor's network steps: the proxy in effect (as the proxy's fetch picks it), DNS, a TCP connection and the TLS
// handshake with the trust the proxy's fetch uses (--ca-file on top of the usual roots, or NODE_EXTRA_CA_CERTS).
import { lookup } from 'node:dns/promises';
import { connect as tcpConnect, type Socket } from 'node:net';
import { connect as tlsConnect, type PeerCertificate, type TLSSocket } from 'node:tls';
import { trustedCas } from '../../http/fetch.js';
import { fail, ok, skipped, type Step, type Steps } from './report.js';

export interface NetworkSettings {
  env: NodeJS.ProcessEnv;
  caFile?: string;
  connectTimeoutMs?: number;
  ipv4?: boolean;
}

const CONNECT_TIMEOUT_MS = 10_000;

/** The proxy a request to `url` goes through, as undici's EnvHttpProxyAgent picks it (HTTP(S)_PROXY, NO_PROXY). */
export function proxyFor(url: URL, env: NodeJS.ProcessEnv): string | undefined {
  const http = env.http_proxy ?? env.HTTP_PROXY;
  const proxy = url.protocol === 'https:' ? (env.https_proxy ?? env.HTTPS_PROXY ?? http) : http;
  if (!proxy) return undefined;
  const noProxyValue = env.no_proxy ?? env.NO_PROXY ?? '';
  if (noProxyValue === '*') return undefined;
  const noProxy = noProxyValue.split(/[,\s]+/).filter(Boolean);
  const host = url.hostname.toLowerCase();
  const port = url.port || (url.protocol === 'https:' ? '443' : '80');
  for (const entry of noProxy) {
    const [name = '', entryPort] = entry.toLowerCase().split(/:(?=\d+$)/);
    if (entryPort && entryPort !== port) continue;
    const domain = name.replace(/^\*?\./, '');
    if (host === domain || host.endsWith(`.${domain}`)) return undefined;
  }
  return proxy;
}

/** A failure below HTTP, coded and explained as the proxy's own requests are (network-error.ts). */
function asNetworkError(cause: unknown): unknown {
  return new TypeError('fetch failed', { cause });
}

function timeoutError(what: string, ms: number): Error {
  return Object.assign(new Error(`${what} took longer than ${ms / 1000} s`), { code: 'ETIMEDOUT' });
}

/** Resolves when `socket` emits `event`, rejects on its error or after `ms`; the socket is destroyed on failure. */
function settle<T extends Socket>(socket: T, event: 'connect' | 'secureConnect', ms: number, what: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      socket.destroy();
      reject(timeoutError(what, ms));
    }, ms);
    socket.once(event, () => {
      clearTimeout(timer);
      resolve(socket);
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      socket.destroy();
      reject(error);
    });
  });
}

function certificateName(name: PeerCertificate['subject'] | undefined): string {
  if (!name) return '(none)';
  const cn = name.CN;
  const org = name.O;
  return [Array.isArray(cn) ? cn.join(', ') : cn, Array.isArray(org) ? org.join(', ') : org].filter(Boolean).join(', ') || '(no common name)';
}

/** Which extra trust is in effect, as the proxy's fetch applies it (fetch.ts). */
function trustInWords(settings: NetworkSettings): string {
  if (settings.caFile) return `trusting the usual roots and --ca-file ${settings.caFile}${settings.env.NODE_EXTRA_CA_CERTS ? ' (NODE_EXTRA_CA_CERTS is not used with --ca-file)' : ''}`;
  if (settings.env.NODE_EXTRA_CA_CERTS) return `trusting the usual roots and NODE_EXTRA_CA_CERTS=${settings.env.NODE_EXTRA_CA_CERTS}`;
  return 'trusting the usual roots (no --ca-file, no NODE_EXTRA_CA_CERTS)';
}

/**
 * The network steps for the MCP server's URL. Returns false when the chain cannot go on (DNS, TCP or TLS failed).
 * Through a proxy, the connection checked is the one to the proxy; TLS to the server is then checked by the
 * endpoint request itself.
 */
export async function probeNetwork(url: URL, settings: NetworkSettings, steps: Steps): Promise<boolean> {
  const proxy = proxyFor(url, settings.env);
  steps.add(ok('proxy', 'proxy in effect', [proxy ? `requests to ${url.host} go through ${redactUserinfo(proxy)} (HTTP(S)_PROXY; NO_PROXY does not exempt it)` : 'none: requests go directly (no HTTP(S)_PROXY applies to this host)']));
  const target = proxy && URL.canParse(proxy) ? new URL(proxy) : url;
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const port = Number(target.port || (target.protocol === 'https:' ? 443 : 80));
  const ms = settings.connectTimeoutMs ?? CONNECT_TIMEOUT_MS;
  const who = proxy ? `the proxy ${host}` : host;

  let addresses: string[];
  try {
    // getaddrinfo cannot be cancelled and a dead VPN resolver makes it wait a long time: the step gives up after the
    // connect timeout (the lookup is left to finish on its own).
    const resolving = lookup(host, { all: true, verbatim: true, ...(settings.ipv4 ? { family: 4 } : {}) });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(timeoutError('resolving the host name', ms)), ms);
    });
    addresses = (await Promise.race([resolving, deadline]).finally(() => clearTimeout(timer))).map((entry) => entry.address);
  } catch (error) {
    steps.add(fail('dns', `DNS: ${who}`, asNetworkError(error)));
    return false;
  }
  steps.add(ok('dns', `DNS: ${who}`, [`resolves to ${addresses.join(', ')}${settings.ipv4 ? ' (--ipv4)' : ''}`]));

  let socket: Socket;
  const started = Date.now();
  try {
    socket = await settle(tcpConnect({ host, port, ...(settings.ipv4 ? { family: 4 } : {}) }), 'connect', ms, 'connecting');
  } catch (error) {
    steps.add(fail('tcp', `TCP: ${who} port ${port}`, asNetworkError(error)));
    return false;
  }
  steps.add(ok('tcp', `TCP: ${who} port ${port}`, [`connected to ${socket.remoteAddress ?? host} in ${Date.now() - started} ms`]));
  socket.destroy();

  if (url.protocol !== 'https:') {
    steps.add(skipped('tls', 'TLS', `not used: ${url.protocol.replace(':', '')} URL${url.protocol === 'http:' ? ' (plain HTTP: loopback, or --allow-http)' : ''}`));
    return true;
  }
  if (proxy) {
    steps.add(skipped('tls', 'TLS', `through the proxy: the server's certificate is checked by the endpoint request below (${trustInWords(settings)})`));
    return true;
  }
  return steps.add(await probeTls(url, port, settings, ms)).outcome !== 'fail';
}

/** user:password@ of a proxy URL is not shown. */
function redactUserinfo(proxy: string): string {
  if (!URL.canParse(proxy)) return proxy;
  const url = new URL(proxy);
  if (url.username || url.password) {
    url.username = '***';
    url.password = '';
  }
  return url.href;
}

async function probeTls(url: URL, port: number, settings: NetworkSettings, ms: number): Promise<Step> {
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let ca: string[] | undefined;
  try {
    ca = trustedCas(settings.caFile); // the proxy's own trust (http/fetch.ts)
  } catch (error) {
    return fail('tls', 'TLS', error);
  }
  const trust = trustInWords(settings);
  let socket: TLSSocket;
  try {
    // Verified by hand below, so that the certificate can be described even when it is not trusted.
    socket = await settle(tlsConnect({ host, port, ...(settings.ipv4 ? { family: 4 } : {}), servername: /^[\d.]+$|:/.test(host) ? '' : host, rejectUnauthorized: false, ...(ca ? { ca } : {}) }), 'secureConnect', ms, 'the TLS handshake');
  } catch (error) {
    return fail('tls', 'TLS', asNetworkError(error), [trust]);
  }
  const leaf = socket.getPeerCertificate();
  const details = [
    `certificate for ${certificateName(leaf.subject)}, issued by ${certificateName(leaf.issuer)}${leaf.valid_to ? `, valid until ${leaf.valid_to}` : ''}`,
    `${socket.getProtocol() ?? 'TLS'}; ${trust}`,
  ];
  const problem = socket.authorized ? undefined : socket.authorizationError;
  socket.destroy();
  if (problem === undefined) return ok('tls', 'TLS', details);
  const code = typeof problem === 'string' ? problem : problem.message;
  const error = asNetworkError(Object.assign(new Error(code), { code }));
  return fail('tls', 'TLS', error, details);
}
