// The stderr logger: every line mcp-tether prints goes here, never to stdout, and known secrets are scrubbed first.

export type LogLevel = 'silent' | 'info' | 'debug';

const secrets = new Set<string>();

/** Remember a value that must never be printed (tokens, codes, client secrets, header values). */
export function registerSecret(value: string | undefined): void {
  if (value && value.length >= 4) secrets.add(value);
}

/** Replace every registered secret, and anything shaped like a bearer credential, with a placeholder. */
export function redact(text: string): string {
  let out = text;
  for (const secret of secrets) {
    if (out.includes(secret)) out = out.split(secret).join('[redacted]');
  }
  return out
    .replace(/(Bearer\s+)[A-Za-z0-9._~+/=-]+/gi, '$1[redacted]')
    .replace(/((?:access_token|refresh_token|id_token|client_secret|code_verifier)["']?\s*[:=]\s*["']?)[^"'&\s,}]+/gi, '$1[redacted]')
    .replace(/([?&]code=)[^&\s"']+/g, '$1[redacted]');
}

export class Logger {
  constructor(
    private level: LogLevel = 'info',
    private readonly write: (line: string) => void = (line) => process.stderr.write(line),
  ) {}

  setLevel(level: LogLevel): void {
    this.level = level;
  }

  /** Something the user should see: sign-in URLs, notices, errors. Shown unless --silent. */
  info(message: string): void {
    if (this.level !== 'silent') this.emit(message);
  }

  /** Always shown, even with --silent: fatal problems and the sign-in URL when the browser cannot open. */
  always(message: string): void {
    this.emit(message);
  }

  debug(message: string | (() => string)): void {
    if (this.level === 'debug') this.emit(typeof message === 'function' ? message() : message);
  }

  /** A line another mcp-tether process (the sign-in worker) already formatted and scrubbed. */
  relay(line: string): void {
    if (this.level !== 'silent') this.write(line);
  }

  private emit(message: string): void {
    this.write(`[mcp-tether] ${redact(message)}\n`);
  }
}

export const log = new Logger();
