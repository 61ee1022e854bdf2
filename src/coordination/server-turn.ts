// One sign-in or refresh at a time per server, across every mcp-tether process on this machine: the server's lock,
// and, while another process holds it for a sign-in, that sign-in's link passed on so this IDE can show it too.
import type { Logger } from '../log.js';
import { serverLockPath, withLock } from './lock.js';
import { readPendingSignIn } from './pending-sign-in.js';

export interface TurnOptions {
  stateDir: string;
  serverUrl: string;
  /** Give up waiting for the other process after this long. */
  timeoutMs: number;
  log: Logger;
  /** Told the link of the sign-in another process runs while this one waits (each new link once). Absent: not looked for. */
  onJoinedUrl?: (url: string) => void;
  /** How often the published link is read while waiting. */
  pollMs?: number;
}

/** Runs `work` holding the server's lock; while it waits, relays the link the holder published (pending-sign-in.ts). */
export async function takeServerTurn<T>(options: TurnOptions, work: () => Promise<T>): Promise<T> {
  const { stateDir, serverUrl, log, onJoinedUrl } = options;
  let relay: NodeJS.Timeout | undefined;
  let relayed: string | undefined;
  const stopRelay = (): void => {
    clearInterval(relay);
    relay = undefined;
  };
  const lookForUrl = async (): Promise<void> => {
    const pending = await readPendingSignIn(stateDir, serverUrl);
    if (!pending || pending.url === relayed || !relay) return;
    relayed = pending.url;
    log.info(`Joining the sign-in another mcp-tether (pid ${pending.pid}) started; finish it in the browser, or open:\n${pending.url}`);
    onJoinedUrl?.(pending.url);
  };
  try {
    return await withLock(
      serverLockPath(stateDir, serverUrl),
      {
        timeoutMs: options.timeoutMs,
        onWait: (pid) => {
          log.info(`Another mcp-tether${pid ? ` (pid ${pid})` : ''} is signing in to or refreshing ${serverUrl}; waiting for it.`);
          if (!onJoinedUrl) return;
          relay = setInterval(() => void lookForUrl(), options.pollMs ?? 500);
          relay.unref();
          void lookForUrl();
        },
      },
      () => {
        stopRelay();
        return work();
      },
    );
  } finally {
    stopRelay();
  }
}
