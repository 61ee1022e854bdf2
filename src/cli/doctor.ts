// `mcp-tether doctor <url> [callback-port] [proxy options] [--sign-in] [--json]`: walks the chain a sign-in takes
// (options, network, MCP endpoint, authorization metadata, credential store, stored credentials, and with --sign-in a
// real sign-in and call), one line per step; a failing step names its code, cause and fix, and the steps that depend
// on it are skipped. Exit 0 when the chain works (no step failed), 1 otherwise: the codes are in the report, and the
// exit code says only works / does not (a command-line mistake is refused before, exit 2, as the proxy refuses it).
import { createFetch, type Fetch } from '../http/fetch.js';
import { signInFetch } from '../http/sign-in-fetch.js';
import { asTetherError, ExitCode } from '../errors.js';
import type { Logger } from '../log.js';
import { parseStaticClientInfo } from '../auth/static-client.js';
import { stateDirectory } from '../store/paths.js';
import { readServerState } from '../store/server-state.js';
import { readSecrets } from '../store/sign-in-record.js';
import { openStore } from '../store/open-store.js';
import { optionsStep, probeAuthorization, skipAuthorization, type AuthorizationFindings } from './doctor/authorization.js';
import { probeStore, storedCredentials } from './doctor/credentials.js';
import { probeMcpEndpoint } from './doctor/endpoint.js';
import { probeNetwork } from './doctor/network.js';
import { fail, renderJson, renderText, reportOf, skipped, Steps } from './doctor/report.js';
import { probeSignIn, SIGN_IN_STEPS } from './doctor/sign-in.js';
import type { Config, DoctorOptions } from './program.js';

export async function doctor(config: Config, options: DoctorOptions, log: Logger, env: NodeJS.ProcessEnv): Promise<{ output: string; exitCode: number }> {
  const steps = new Steps();
  const stateDir = stateDirectory(env);
  const staticClient = config.staticClientInfo === undefined ? undefined : parseStaticClientInfo(config.staticClientInfo);
  const found = readServerState(stateDir, config.serverUrl.href);
  // A state for another static client than the one given is not this sign-in (as the proxy reads it).
  const state = found && (staticClient === undefined || found.client.client_id === staticClient.client_id) ? found : undefined;
  // Made first: an unreadable --ca-file is refused at once, as the proxy refuses it.
  const fetch: Promise<Fetch> = Promise.resolve(await createFetch({ env, ...config.network, ...(config.caFile ? { caFile: config.caFile } : {}) }));

  steps.add(optionsStep(config, staticClient, state));
  let findings: AuthorizationFindings | undefined;
  let noAuthorization = false;
  const reachable = await probeNetwork(config.serverUrl, { env, ...config.network, ...(config.caFile ? { caFile: config.caFile } : {}) }, steps);
  if (!reachable) {
    const blocker = steps.failed;
    if (blocker) steps.skipBecause('endpoint', 'MCP endpoint (unauthenticated initialize)', blocker);
    skipAuthorization(steps, `not run: "${blocker?.title ?? 'the network'}" failed`);
  } else {
    const endpoint = await probeMcpEndpoint(config.serverUrl, await fetch, config.headers, config.protocol !== 'legacy');
    steps.add(endpoint.step);
    if (endpoint.step.outcome === 'fail' || !endpoint.probe?.response) {
      noAuthorization = endpoint.step.outcome !== 'fail';
      skipAuthorization(steps, noAuthorization ? 'not needed: the server answered initialize without credentials' : `not run: "${endpoint.step.title}" failed`);
    } else {
      const guarded = signInFetch(await fetch, { serverUrl: config.serverUrl, allowPrivate: config.signIn.allowPrivateAuthServer });
      const previousScope = state ? await readSecrets(state, openStore(config.tokenStore, stateDir, log)).then((secrets) => secrets?.tokens?.scope, () => undefined) : undefined;
      findings = await probeAuthorization(
        { config, fetch: guarded, baseFetch: await fetch, ...(staticClient ? { staticClient } : {}), ...(state ? { stored: state } : {}), ...(previousScope ? { previousScope } : {}) },
        endpoint.probe.response,
        steps,
      );
    }
  }

  const store = steps.add(await probeStore(config.tokenStore, stateDir, log, state));
  if (store.outcome === 'fail') steps.skipBecause('stored', 'stored credentials for this server', store);
  else steps.add(await storedCredentials(state, stateDir, log, findings?.server.issuer));

  const blocker = steps.failed;
  if (!options.signIn) {
    for (const [name, title] of SIGN_IN_STEPS) steps.add(skipped(name, title, 'not asked: pass --sign-in to sign in and call the server with the token'));
  } else if (noAuthorization) {
    for (const [name, title] of SIGN_IN_STEPS) steps.add(skipped(name, title, 'not needed: the server answered initialize without credentials'));
  } else if (blocker) {
    for (const [name, title] of SIGN_IN_STEPS) steps.skipBecause(name, title, blocker);
  } else {
    await probeSignIn(config, log, env, fetch, findings, steps);
  }
  const report = reportOf(config.serverUrl.href, steps.list);
  return { output: options.json ? renderJson(report) : renderText(report), exitCode: report.works ? ExitCode.ok : ExitCode.failure };
}

/** The report of a command line the proxy refuses (--json; main.ts): the options step failed with the refusal, the exit code its own. */
export function refusedReport(server: string, error: unknown): { output: string; exitCode: number } {
  const report = reportOf(server, [fail('options', 'URL and options', error)]);
  return { output: renderJson(report), exitCode: asTetherError(error).exitCode };
}
