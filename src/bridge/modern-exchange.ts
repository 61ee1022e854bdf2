// The IDE's requests to a 2026-07-28 server: `_meta` on each, Mcp-Param-* headers on tools/call (SEP-2243), and
// input_required results (SEP-2322) turned into requests to the IDE whose answers go back with the original request.
import { asTetherError, describeError } from '../errors.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/client';
import { errorResponse, idOf, INTERNAL_ERROR, objectOf, resultOf, type Json, type RequestId } from './jsonrpc.js';
import { continuation, headerDeclarations, inputRequired, paramHeaders, toModern, type InputRequired } from './modern.js';
import type { Logger } from '../log.js';
import type { RemoteTransport, SendOptions } from './transport.js';
import { isUrlElicitationRequest, urlElicitationRequired } from './url-elicitation.js';


interface Sent {
  message: JSONRPCMessage;
  options: SendOptions;
  ideId: RequestId;
}

export interface ModernExchangeOptions {
  transport: () => RemoteTransport | undefined;
  ideParams: () => Json;
  toIde: (message: JSONRPCMessage) => void;
  log: Logger;
  /** Whether the IDE shows URL elicitations; if not, a server's URL request fails the call with the link in its message. */
  showsUrlElicitation: () => boolean;
}

export class ModernExchange {
  /** Requests on the wire, by the id they were sent with. */
  private readonly sent = new Map<RequestId, Sent>();
  private readonly toolHeaders = new Map<string, ReturnType<typeof headerDeclarations>>();
  private readonly answersFromIde = new Map<RequestId, (answer: JSONRPCMessage) => void>();
  /** IDE requests whose first HTTP stream ended with input_required: the stream's end is not the end. */
  private readonly continuing = new Set<RequestId>();
  private counter = 0;

  constructor(private readonly options: ModernExchangeOptions) {}

  async send(message: JSONRPCMessage, options: SendOptions): Promise<void> {
    const id = idOf(message);
    if (id !== undefined && !('method' in message)) {
      const waiter = this.answersFromIde.get(id);
      if (waiter) {
        this.answersFromIde.delete(id);
        waiter(message);
        return;
      }
    }
    const modern = toModern(message, this.options.ideParams());
    if (!modern) return;
    if (id === undefined || !('method' in modern)) {
      await this.transport().send(modern);
      return;
    }
    await this.sendRequest({ message: modern, options, ideId: id }, id);
  }

  /** A server message for the IDE, or undefined when it was dealt with here. */
  fromServer(message: JSONRPCMessage): JSONRPCMessage | undefined {
    const id = idOf(message);
    if (id === undefined || 'method' in message) return message;
    const sent = this.sent.get(id);
    if (!sent) return message;
    this.sent.delete(id);
    const needed = inputRequired(message);
    if (needed) {
      void this.continueWith(sent, needed);
      return undefined;
    }
    const answer = { ...message, id: sent.ideId };
    return objectOf(sent.message).method === 'tools/list' ? this.learnTools(answer) : answer;
  }

  private transport(): RemoteTransport {
    const transport = this.options.transport();
    if (!transport) throw new Error('no connection to the server');
    return transport;
  }

  private async sendRequest(request: Sent, wireId: RequestId): Promise<void> {
    this.sent.set(wireId, request);
    const { message, options, ideId } = request;
    const call = objectOf(message);
    const params = objectOf(call.params);
    const declarations = call.method === 'tools/call' && typeof params.name === 'string' ? this.toolHeaders.get(params.name) : undefined;
    const headers = Array.isArray(declarations) ? paramHeaders(declarations, params.arguments) : {};
    const sendOptions: SendOptions = {
      headers,
      onRequestStreamEnd: () => {
        if (!this.continuing.has(ideId)) options.onRequestStreamEnd?.();
      },
    };
    await this.transport().send(message, sendOptions);
  }

  /** SEP-2243: remember which arguments go into headers; a tool whose declarations are invalid is left out. */
  private learnTools(answer: JSONRPCMessage): JSONRPCMessage {
    const result = resultOf(answer);
    if (!result || !Array.isArray(result.tools)) return answer;
    const tools = result.tools.filter((tool: unknown) => {
      const { name, inputSchema } = objectOf(tool);
      if (typeof name !== 'string') return true;
      const declarations = headerDeclarations(inputSchema);
      if (typeof declarations === 'string') {
        this.options.log.info(`Left out the tool "${name}": ${declarations}.`);
        return false;
      }
      this.toolHeaders.set(name, declarations);
      return true;
    });
    return { ...answer, result: { ...result, tools } } as JSONRPCMessage;
  }

  private async continueWith(sent: Sent, needed: InputRequired): Promise<void> {
    const urlRequests = Object.values(needed.inputRequests).filter(isUrlElicitationRequest);
    if (urlRequests.length > 0 && !this.options.showsUrlElicitation()) {
      // The IDE would not show the page: the call fails with the links (written for the user by the bridge), and the
      // same call made again after the user's visit goes through, on this session.
      this.options.toIde(urlElicitationRequired(sent.ideId, urlRequests.map((request) => request.params)));
      return;
    }
    this.continuing.add(sent.ideId);
    try {
      const responses: Record<string, unknown> = {};
      await Promise.all(
        Object.entries(needed.inputRequests).map(async ([key, request]) => {
          const id = `mcp-tether-input-${++this.counter}`;
          const answer = await new Promise<JSONRPCMessage>((resolve) => {
            this.answersFromIde.set(id, resolve);
            this.options.toIde({ jsonrpc: '2.0', id, method: request.method, ...(request.params === undefined ? {} : { params: request.params }) } as JSONRPCMessage);
          });
          if ('error' in answer) throw new Error(`the IDE could not answer the server's ${request.method} request: ${answer.error.message}`);
          responses[key] = resultOf(answer);
        }),
      );
      const wireId = `mcp-tether-continue-${++this.counter}`;
      this.continuing.delete(sent.ideId);
      await this.sendRequest({ ...sent, message: continuation(sent.message, wireId, responses, needed.requestState) }, wireId);
    } catch (error) {
      this.continuing.delete(sent.ideId);
      this.options.toIde(errorResponse(sent.ideId, INTERNAL_ERROR, `mcp-tether: ${describeError(error)}`, asTetherError(error).toData()) as JSONRPCMessage);
    }
  }
}
