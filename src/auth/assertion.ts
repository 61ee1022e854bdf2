// The workload's own identity for the jwt-bearer grant (RFC 7523 section 2.1; workload identity federation, SEP-1933):
// a JWT the platform issues (Kubernetes, GitHub Actions, a cloud's metadata service), read where the platform puts it,
// again for every token, since platforms rotate it.
import { readFileSync } from 'node:fs';
import { TetherError } from '../errors.js';
import { registerSecret } from '../log.js';

/** --jwt-bearer-assertion: a file path, or env:NAME for an environment variable. Plain data: it crosses processes. */
export type AssertionSource = { file: string } | { env: string };

export function parseAssertionSource(raw: string, option = '--jwt-bearer-assertion'): AssertionSource {
  if (raw.startsWith('env:')) {
    const name = raw.slice(4);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      throw new TetherError('TETHER_INVALID_ARGUMENT', `${option} ${raw} does not name an environment variable.`, { hint: `Example: ${option} env:WORKLOAD_TOKEN` });
    }
    return { env: name };
  }
  return { file: raw };
}

/** Where a source is, in words: "the file ..." or "the environment variable ...". */
export function describeSource(source: AssertionSource): string {
  return 'file' in source ? `the file ${source.file}` : `the environment variable ${source.env}`;
}

/** The current assertion: a compact JWT, or a coded error saying where it was looked for. */
export function readAssertion(source: AssertionSource, env: NodeJS.ProcessEnv = process.env, what = 'workload identity token'): string {
  let value: string | undefined;
  try {
    value = 'file' in source ? readFileSync(source.file, 'utf8') : env[source.env];
  } catch (error) {
    throw new TetherError('TETHER_ASSERTION_UNAVAILABLE', `The ${what} could not be read from ${describeSource(source)} (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
  }
  const jwt = value?.trim();
  if (!jwt) throw new TetherError('TETHER_ASSERTION_UNAVAILABLE', `There is no ${what} in ${describeSource(source)}.`);
  registerSecret(jwt);
  if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(jwt)) {
    throw new TetherError('TETHER_ASSERTION_UNAVAILABLE', `What ${describeSource(source)} holds is not a JWT (three base64url parts separated by dots).`);
  }
  return jwt;
}
