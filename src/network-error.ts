// Plain words for a request that failed below HTTP: what fetch reports only as "fetch failed" or "terminated",
// told from its cause (refused, unknown host, timeout, untrusted certificate, proxy) with the fix where there is one.

const TLS_UNTRUSTED = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_UNTRUSTED',
]);
const CA_HINT = 'if your organisation uses its own certificate authority (a TLS-inspecting proxy, an internal gateway), pass --ca-file <pem> or set NODE_EXTRA_CA_CERTS';

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The innermost cause that carries a code, or the innermost cause. */
function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5; depth++) {
    const cause = (current as { cause?: unknown } | null)?.cause;
    if (cause === undefined || codeOf(current) !== undefined) break;
    current = cause;
  }
  return current;
}

interface Explained {
  what: string;
  fix?: string;
  certificate?: true;
}

function explain(cause: unknown): Explained {
  const code = codeOf(cause);
  // connecting to every address of a host can fail at once: an AggregateError whose own message is empty
  const detail =
    cause instanceof AggregateError && !cause.message
      ? cause.errors.map((error: unknown) => (error instanceof Error ? error.message : String(error))).join('; ')
      : cause instanceof Error
        ? cause.message
        : String(cause);
  if (code && TLS_UNTRUSTED.has(code)) return { what: `the server's certificate is not trusted (${code})`, fix: CA_HINT, certificate: true };
  if (code === 'CERT_HAS_EXPIRED') return { what: 'the server\'s certificate has expired (CERT_HAS_EXPIRED)', certificate: true, fix: 'the server\'s operator must renew it' };
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return { what: `the server's certificate is for another host name (${detail})`, certificate: true, fix: 'check the host name in the URL' };
  switch (code) {
    case 'ECONNREFUSED':
      return { what: `connection refused: nothing is listening there (${detail})`, fix: 'check the URL and that the server is running' };
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return { what: `the host name could not be resolved (${detail})`, fix: 'check the URL, your network or VPN' };
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return { what: `the connection was closed by the other side (${detail})`, fix: 'try again; if it persists, check your proxy or VPN' };
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return { what: `connecting timed out (${detail})`, fix: 'check your network, VPN or proxy settings (HTTPS_PROXY)' };
    case 'UND_ERR_HEADERS_TIMEOUT':
      return { what: 'the server accepted the request but sent no answer in time', fix: 'the server may be overloaded; try again' };
    default:
      if (detail === 'bad port') return { what: 'the port is one browsers and Node refuse to connect to (a "bad port", such as 9 or 6000)', fix: 'use the port the server really listens on' };
      return { what: code ? `${detail} (${code})` : detail };
  }
}

export interface NetworkFailure {
  /** What happened, starting lower-case: "cannot reach the server: connection refused ...". */
  what: string;
  fix?: string;
  /** A TLS certificate problem rather than a connection one. */
  certificate: boolean;
}

/** What a fetch failure ("fetch failed", "terminated") was, told from its cause; undefined when `error` is not one. */
export function networkFailure(error: unknown): NetworkFailure | undefined {
  if (!(error instanceof TypeError) || (error.message !== 'fetch failed' && error.message !== 'terminated') || error.cause === undefined) return undefined;
  const explained = explain(rootCause(error.cause));
  const what = error.message === 'terminated' ? `the connection broke before the answer was complete: ${explained.what}` : `cannot reach the server: ${explained.what}`;
  return { what, ...(explained.fix ? { fix: explained.fix } : {}), certificate: explained.certificate === true };
}

/** A description of a fetch failure with its fix, or undefined when `error` is not one. */
export function describeNetworkError(error: unknown): string | undefined {
  const failure = networkFailure(error);
  return failure && (failure.fix ? `${failure.what}; ${failure.fix}` : failure.what);
}
