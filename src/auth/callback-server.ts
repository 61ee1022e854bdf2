// The loopback listener that receives the authorization response (RFC 8252 section 7.3). It binds loopback
// addresses only, accepts only the `state` it was given, and tells the browser "signed in" only after the code
// was redeemed.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describeError, TetherError } from '../errors.js';

export interface CallbackTarget {
  /** Host name in the redirect URI ("localhost" or "127.0.0.1"); the socket is bound to loopback either way. */
  host: string;
  /** 0 picks a free port. */
  port: number;
  path: string;
}

/** Redeems the code; resolves with what the browser is told on success (which server, which account, what next). */
type Redeem = (callbackUrl: URL) => Promise<string>;
/** Turns an error the authorization server sent back to the callback into a message with its fix. */
export type ExplainRefusal = (code: string, description: string) => TetherError;

interface Pending {
  state: string;
  redeem: Redeem;
  explain: ExplainRefusal;
  resolve: () => void;
  reject: (error: unknown) => void;
  redeeming: boolean;
  successUrl?: string;
}

function listen(server: Server, port: number, address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error): void => reject(error);
    server.once('error', onError);
    server.listen({ port, host: address, exclusive: true }, () => {
      server.off('error', onError);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

const escapeHtml = (text: string): string =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);

function page(res: ServerResponse, status: number, title: string, detail: string): void {
  const body =
    `<!doctype html><html><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head>` +
    `<body style="font-family:system-ui,sans-serif;max-width:40em;margin:4em auto;line-height:1.5">` +
    `<h1>${escapeHtml(title)}</h1><p>${escapeHtml(detail).replace(/\n/g, '<br>')}</p></body></html>`;
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', connection: 'close' });
  res.end(body);
}

export class CallbackListener {
  private pending: Pending | undefined;

  private constructor(
    private readonly servers: Server[],
    readonly redirectUri: URL,
  ) {
    for (const server of servers) server.on('request', (req: IncomingMessage, res: ServerResponse) => this.handle(req, res));
  }

  static async start(target: CallbackTarget): Promise<CallbackListener> {
    const primary = createServer();
    let port: number;
    try {
      port = await listen(primary, target.port, '127.0.0.1');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new TetherError('TETHER_CALLBACK_PORT_IN_USE', `Cannot listen for the sign-in callback on 127.0.0.1:${target.port} (${code ?? describeError(error)}).`, {
        hint: code === 'EADDRINUSE' ? 'Another program (perhaps another mcp-tether signing in) uses that port; close it or choose another callback port.' : 'Choose another callback port.',
      });
    }
    const servers = [primary];
    if (target.host === 'localhost') {
      // Browsers may resolve "localhost" to ::1 first; listen there too when IPv6 loopback exists.
      const secondary = createServer();
      try {
        await listen(secondary, port, '::1');
        servers.push(secondary);
      } catch {
        secondary.close();
      }
    }
    const host = target.host.includes(':') ? `[${target.host}]` : target.host;
    return new CallbackListener(servers, new URL(`http://${host}:${port}${target.path}`));
  }

  get port(): number {
    return Number(this.redirectUri.port);
  }

  /** Waits for the browser to return with `state`, then runs `redeem` before answering the browser. */
  wait(state: string, redeem: Redeem, explain: ExplainRefusal, timeoutMs: number, successUrl?: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending = undefined;
        reject(
          new TetherError('TETHER_SIGN_IN_TIMEOUT', `Sign-in was not completed within ${Math.round(timeoutMs / 1000)} s.`, {
            hint:
              'Open the sign-in URL printed above and finish signing in, or raise --auth-timeout. If the provider showed an ' +
              `error about the redirect URI instead, register ${this.redirectUri.href} for the client, exactly.`,
          }),
        );
      }, timeoutMs);
      timer.unref();
      const done = (fn: () => void): void => {
        clearTimeout(timer);
        this.pending = undefined;
        fn();
      };
      this.pending = {
        state,
        redeem,
        explain,
        ...(successUrl ? { successUrl } : {}),
        redeeming: false,
        resolve: () => done(resolve),
        reject: (error) => done(() => reject(error)),
      };
    });
  }

  /** Stops listening. Answers already being written (the "Signed in" page) are let finish, briefly. */
  async close(): Promise<void> {
    for (const server of this.servers) {
      server.close();
      server.closeIdleConnections();
      setTimeout(() => server.closeAllConnections(), 1_000).unref();
    }
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    // A page on another site can make the browser send requests here under a name it controls (DNS rebinding):
    // only requests addressed to the redirect URI's own host and port are looked at, before anything else.
    if ((req.headers.host ?? '').toLowerCase() !== this.redirectUri.host.toLowerCase()) {
      page(res, 421, 'Misdirected request', `This address only answers requests for ${this.redirectUri.host}.`);
      return;
    }
    const url = new URL(req.url ?? '/', this.redirectUri);
    if (req.method !== 'GET' || url.pathname !== this.redirectUri.pathname) {
      page(res, 404, 'Not found', 'This address only receives mcp-tether sign-in responses.');
      return;
    }
    const pending = this.pending;
    if (!pending) {
      page(res, 410, 'No sign-in in progress', 'mcp-tether is not waiting for a sign-in on this address any more. Start again from your IDE.');
      return;
    }
    const params = url.searchParams;
    if (params.get('state') !== pending.state) {
      // RFC 6749 section 10.12: a response we did not ask for. Ignore it and keep waiting for the real one.
      page(res, 400, 'Sign-in response rejected', 'This response does not belong to the sign-in mcp-tether started (the state parameter does not match), so it was ignored. If you are signing in, finish in the tab mcp-tether opened.');
      return;
    }
    const error = params.get('error');
    if (error) {
      const failure = pending.explain(error, params.get('error_description') ?? '');
      page(res, 400, 'Sign-in failed', failure.describe());
      pending.reject(failure);
      return;
    }
    if (pending.redeeming) {
      page(res, 409, 'Sign-in already in progress', 'mcp-tether is already completing this sign-in.');
      return;
    }
    pending.redeeming = true;
    const callbackUrl = new URL(this.redirectUri.href);
    callbackUrl.search = url.search;
    pending.redeem(callbackUrl).then(
      (told) => {
        if (pending.successUrl) res.writeHead(303, { location: pending.successUrl, 'cache-control': 'no-store' }).end();
        else page(res, 200, 'Signed in', told);
        pending.resolve();
      },
      (failure: unknown) => {
        page(res, 400, 'Sign-in failed', `mcp-tether could not complete the sign-in: ${describeError(failure)}`);
        pending.reject(failure);
      },
    );
  }
}
