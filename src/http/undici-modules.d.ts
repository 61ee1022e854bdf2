// Types for the undici modules http/undici.ts loads by path: undici describes only its index, whose classes these are.
declare module 'undici/lib/dispatcher/dispatcher.js' {
  import type { Dispatcher } from 'undici';
  const exported: typeof Dispatcher;
  export = exported;
}
declare module 'undici/lib/dispatcher/agent.js' {
  import type { Agent } from 'undici';
  const exported: typeof Agent;
  export = exported;
}
declare module 'undici/lib/dispatcher/env-http-proxy-agent.js' {
  import type { EnvHttpProxyAgent } from 'undici';
  const exported: typeof EnvHttpProxyAgent;
  export = exported;
}
declare module 'undici/lib/api/index.js' {
  import type { Dispatcher } from 'undici';
  const exported: Pick<Dispatcher, 'request' | 'stream' | 'pipeline' | 'connect' | 'upgrade'>;
  export = exported;
}
