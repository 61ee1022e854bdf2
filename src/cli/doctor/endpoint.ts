// The doctor's MCP endpoint step: an unauthenticated initialize (the probe `login` and `status --check` use), and the
// 2026-07-28 `server/discover` the proxy tries first (unless --protocol legacy), classified as the proxy would.
import { TetherError } from '../../errors.js';
import type { Fetch } from '../../http/fetch.js';
import { probeEndpoint, type Probe } from '../../http/mcp-endpoint.js';
import { discoverRequest, MODERN_VERSION, modernDiscovery } from '../../bridge/modern.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/client';
import { fail, ok, type Step } from './report.js';

export interface EndpointResult {
  step: Step;
  /** The probe's answer, when there was one. */
  probe?: Probe;
}

const TITLE = 'MCP endpoint (unauthenticated initialize)';

/** The endpoint's answer to an initialize without credentials: MCP, a challenge, or a coded reason it is neither. */
export async function probeMcpEndpoint(url: URL, fetch: Fetch, headers: Record<string, string>, modern: boolean): Promise<EndpointResult> {
  let probe: Probe;
  try {
    probe = await probeEndpoint(url, fetch, undefined, headers);
  } catch (error) {
    return { step: fail('endpoint', TITLE, error) };
  }
  const discover = modern ? await probeDiscover(url, fetch, headers) : '--protocol legacy: server/discover (MCP 2026-07-28) is not tried';
  switch (probe.answer) {
    case 'mcp':
      return { probe, step: ok('endpoint', TITLE, [`${probe.describe}: it answers without authorization, so no sign-in is needed`, discover]) };
    case 'unauthorized':
      return { probe, step: ok('endpoint', TITLE, [`${probe.describe}: it asks for authorization`, discover]) };
    case 'forbidden':
      return {
        probe,
        step: fail(
          'endpoint',
          TITLE,
          new TetherError('TETHER_CREDENTIALS_REFUSED', `${url.href} answers ${probe.describe} with no challenge to sign in (no WWW-Authenticate: Bearer): it refuses without asking for a sign-in.`, {
            hint: 'Something in front of the server refuses the request (an IP allow-list, a WAF, a header it needs: --header). Ask its operator what it expects.',
          }),
        ),
      };
    default:
      return { probe, step: fail('endpoint', TITLE, probe.error ?? new TetherError('TETHER_SERVER_FAILED', `${url.href} answered ${probe.describe}.`)) };
  }
}

/** Whether the server speaks MCP 2026-07-28, in words (server/discover, as the proxy sends it first). */
async function probeDiscover(url: URL, fetch: Fetch, headers: Record<string, string>): Promise<string> {
  const request = discoverRequest('mcp-tether-doctor', { capabilities: {}, clientInfo: { name: 'mcp-tether', version: 'doctor' } });
  try {
    const response = await fetch(url, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': MODERN_VERSION, 'mcp-method': 'server/discover' },
      body: JSON.stringify(request),
      signal: AbortSignal.timeout(15_000),
    });
    if (response.status === 401 || response.status === 403) {
      await response.body?.cancel().catch(() => undefined);
      return `server/discover (MCP ${MODERN_VERSION}): HTTP ${response.status}, needs authorization too`;
    }
    const text = (await response.text()).slice(0, 65_536);
    const json = text.trimStart().startsWith('{') ? text : (/^data: ?(.*)$/m.exec(text)?.[1] ?? '');
    const answer = JSON.parse(json || 'null') as JSONRPCMessage | null;
    return answer && modernDiscovery(answer)
      ? `server/discover: speaks MCP ${MODERN_VERSION} (the proxy uses it)`
      : `server/discover: not MCP ${MODERN_VERSION} (HTTP ${response.status}); the proxy uses the initialize lifecycle`;
  } catch {
    return `server/discover: no usable answer; the proxy uses the initialize lifecycle`;
  }
}
