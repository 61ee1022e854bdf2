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

function explain(cause: unknown): string {
  const code = codeOf(cause);
  // connecting to every address of a host can fail at once: an AggregateError whose own message is empty
  const detail =
    cause instanceof AggregateError && !cause.message
      ? cause.errors.map((error: unknown) => (error instanceof Error ? error.message : String(error))).join('; ')
      : cause instanceof Error
        ? cause.message
        : String(cause);
  if (code && TLS_UNTRUSTED.has(code)) return `the server's certificate is not trusted (${code}); ${CA_HINT}`;
  if (code === 'CERT_HAS_EXPIRED') return 'the server\'s certificate has expired (CERT_HAS_EXPIRED)';
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') return `the server's certificate is for another host name (${detail})`;
  switch (code) {
    case 'ECONNREFUSED':
      return `connection refused: nothing is listening there (${detail}); check the URL and that the server is running`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the host name could not be resolved (${detail}); check the URL, your network or VPN`;
    case 'ECONNRESET':
    case 'EPIPE':
    case 'UND_ERR_SOCKET':
      return `the connection was closed by the other side (${detail})`;
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `connecting timed out (${detail}); check your network, VPN or proxy settings (HTTPS_PROXY)`;
    case 'UND_ERR_HEADERS_TIMEOUT':
      return 'the server accepted the request but sent no answer in time';
    default:
      return code ? `${detail} (${code})` : detail;
  }
}

/** A description of a fetch failure ("fetch failed", "terminated"), or undefined when `error` is not one. */
export function describeNetworkError(error: unknown): string | undefined {
  if (!(error instanceof TypeError) || (error.message !== 'fetch failed' && error.message !== 'terminated') || error.cause === undefined) return undefined;
  const explained = explain(rootCause(error.cause));
  return error.message === 'terminated' ? `the connection broke before the answer was complete: ${explained}` : `cannot reach the server: ${explained}`;
}
