// --ignore-tool and --allow-tool: glob patterns ("*" any run, "?" one character) that hide tools from the IDE,
// applied to tools/list answers and to tools/call requests alike.
import type { JSONRPCMessage } from '@modelcontextprotocol/client';

function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, 'i'); // case-insensitive, as in mcp-remote
}

export class ToolFilter {
  private readonly ignore: RegExp[];
  private readonly allow: RegExp[];

  constructor(ignore: string[] = [], allow: string[] = []) {
    this.ignore = ignore.map(globToRegExp);
    this.allow = allow.map(globToRegExp);
  }

  get active(): boolean {
    return this.ignore.length > 0 || this.allow.length > 0;
  }

  allows(name: string): boolean {
    if (this.allow.length > 0 && !this.allow.some((pattern) => pattern.test(name))) return false;
    return !this.ignore.some((pattern) => pattern.test(name));
  }

  /** A tools/list answer without the filtered tools. */
  filterList(message: JSONRPCMessage): JSONRPCMessage {
    if (!this.active) return message;
    const result = (message as { result?: { tools?: Array<{ name?: unknown }> } }).result;
    if (!result || !Array.isArray(result.tools)) return message;
    return { ...message, result: { ...result, tools: result.tools.filter((tool) => typeof tool.name !== 'string' || this.allows(tool.name)) } } as JSONRPCMessage;
  }
}
