// The one parser of WWW-Authenticate (RFC 9110 section 11.6.1): several challenges, token68 or auth-params,
// quoted values with escapes. Also reads the Bearer parameters MCP uses (RFC 6750 section 3, RFC 9728 section 5.1).

export interface Challenge {
  /** Lowercased auth-scheme, e.g. "bearer". */
  scheme: string;
  /** auth-params with lowercased names. */
  params: Record<string, string>;
  token68?: string;
}

const TOKEN = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68 = /[A-Za-z0-9\-._~+/]/;

export function parseChallenges(header: string | null | undefined): Challenge[] {
  if (!header) return [];
  const challenges: Challenge[] = [];
  let i = 0;
  const n = header.length;
  const skipSpace = (): void => {
    while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
  };
  const skipSeparators = (): void => {
    while (i < n && (header[i] === ' ' || header[i] === '\t' || header[i] === ',')) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < n && TOKEN.test(header[i] as string)) i++;
    return header.slice(start, i);
  };
  /** An unquoted value. Lenient: servers send URLs and "a:b" scopes unquoted, so read up to "," or space. */
  const readBare = (): string => {
    const start = i;
    while (i < n && header[i] !== ',' && header[i] !== ' ' && header[i] !== '\t') i++;
    return header.slice(start, i);
  };
  const readQuoted = (): string => {
    i++; // opening quote
    let value = '';
    while (i < n && header[i] !== '"') {
      if (header[i] === '\\' && i + 1 < n) i++;
      value += header[i];
      i++;
    }
    i++; // closing quote
    return value;
  };
  /** True when the text at i is `token BWS "="` not followed by another "=" (i.e. an auth-param, not token68). */
  const atParam = (): boolean => {
    let j = i;
    while (j < n && TOKEN.test(header[j] as string)) j++;
    if (j === i) return false;
    while (j < n && (header[j] === ' ' || header[j] === '\t')) j++;
    return header[j] === '=' && header[j + 1] !== '=';
  };

  while (i < n) {
    skipSeparators();
    const scheme = readToken();
    if (!scheme) {
      i++; // not a token character: skip it rather than loop forever on malformed input
      continue;
    }
    // No prototype: a parameter named "__proto__" or "constructor" is a parameter like any other.
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: Object.create(null) as Record<string, string> };
    challenges.push(challenge);
    skipSpace();
    if (i < n && header[i] !== ',' && !atParam()) {
      const start = i;
      while (i < n && TOKEN68.test(header[i] as string)) i++;
      while (i < n && header[i] === '=') i++;
      if (i > start) challenge.token68 = header.slice(start, i);
      continue;
    }
    // auth-params, until the next token that is not followed by "=" (the next challenge's scheme)
    for (;;) {
      skipSeparators();
      if (!atParam()) break;
      const name = readToken().toLowerCase();
      skipSpace();
      i++; // "="
      skipSpace();
      const value = header[i] === '"' ? readQuoted() : readBare();
      if (!Object.hasOwn(challenge.params, name)) challenge.params[name] = value;
    }
  }
  return challenges;
}

export interface BearerChallenge {
  resourceMetadata?: string;
  scope?: string;
  error?: string;
  errorDescription?: string;
  /** The server offers the DPoP scheme (RFC 9449 section 7.1): it takes tokens bound to a key. */
  dpop?: true;
  /** It offers DPoP and no Bearer: it takes only bound tokens. */
  dpopOnly?: true;
}

/**
 * The Bearer challenge's parameters from a 401 or 403 response, else those of a DPoP challenge (RFC 9449 section
 * 7.1: the same parameters), or {} when there is neither.
 */
export function bearerChallenge(response: Pick<Response, 'headers'>): BearerChallenge {
  const challenges = parseChallenges(response.headers.get('www-authenticate'));
  const dpop = challenges.find((c) => c.scheme === 'dpop');
  const plain = challenges.find((c) => c.scheme === 'bearer');
  const bearer = plain ?? dpop;
  if (!bearer) return {};
  const { resource_metadata, scope, error, error_description } = bearer.params;
  return {
    ...(resource_metadata ? { resourceMetadata: resource_metadata } : {}),
    ...(scope ? { scope } : {}),
    ...(error ? { error } : {}),
    ...(error_description ? { errorDescription: error_description } : {}),
    ...(dpop ? { dpop: true as const } : {}),
    ...(dpop && !plain ? { dpopOnly: true as const } : {}),
  };
}
