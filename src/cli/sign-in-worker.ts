// The detached sign-in process (see coordination/detached-sign-in.ts): signs in for the parent mcp-tether, under
// the cross-process lock, stores the credentials, reports the outcome, and exits. If the parent goes away (the IDE
// closed stdin or killed it) while the user is in the browser, it finishes the sign-in anyway; a worker that was
// only waiting for another process's sign-in simply stops.
import type { BearerChallenge } from '../auth/challenge.js';
import type { SignedIn } from '../auth/settings.js';
import { toWireError, type SignInOrder, type WorkerMessage } from '../coordination/detached-sign-in.js';
import { createFetch } from '../http/fetch.js';
import { Logger } from '../log.js';
import type { Config } from './program.js';
import { createSession } from './oauth-session.js';

export type WireConfig = Omit<Config, 'serverUrl'> & { serverUrl: string };

function tell(message: WorkerMessage<SignedIn>): Promise<void> {
  return new Promise((resolve) => {
    if (!process.connected || !process.send) return resolve();
    try {
      process.send(message, undefined, {}, () => resolve());
    } catch {
      resolve();
    }
  });
}

async function run(order: SignInOrder<WireConfig, BearerChallenge>): Promise<number> {
  const config: Config = { ...order.config, serverUrl: new URL(order.config.serverUrl) };
  const log = new Logger(config.logLevel, (line) => void tell({ type: 'log', line }));
  let browserOpen = false;
  process.on('disconnect', () => {
    // The IDE let mcp-tether go. A sign-in the user is doing in the browser goes on; anything else has no one to serve.
    if (!browserOpen) process.exit(0);
    log.debug('the IDE closed mcp-tether; finishing the sign-in in the browser before exiting');
  });
  const fetch = createFetch({ env: process.env, ...config.network, ...(config.caFile ? { caFile: config.caFile } : {}) });
  const session = await createSession(config, log, process.env, fetch);
  session.observer = {
    started: () => undefined,
    url: (url) => {
      void tell({ type: 'url', url });
    },
    ended: () => undefined,
  };
  session.onOwnSignIn = () => {
    browserOpen = true;
  };
  try {
    const result = await session.signInHere(order.challenge, order.rejected);
    await tell({ type: 'done', result });
    return 0;
  } catch (error) {
    await tell({ type: 'failed', error: toWireError(error) });
    return 3;
  }
}

process.once('message', (order: SignInOrder<WireConfig, BearerChallenge>) => {
  void run(order).then(
    (code) => process.exit(code),
    () => process.exit(1),
  );
});
