// JSON and JSON with comments (VS Code, Cursor, Kiro...), parsed with Microsoft's jsonc-parser and edited by offsets:
// an entry is inserted, replaced or removed as whole lines in the file's own indentation and line endings, so that
// comments, key order and formatting elsewhere stay byte for byte, and removing an added entry gives the file back.
// (jsonc-parser's own `modify` re-formats the neighbouring property's line as well.)
import { findNodeAtLocation, getNodeValue, parseTree, printParseErrorCode, type Node, type ParseError } from 'jsonc-parser';
import { invalidConfig, lineAndColumn, lineEnding, type ConfigFormat } from './config-format.js';

interface Layout {
  unit: string;
  eol: string;
}

/** The indentation unit the file already uses (its first indented line), two spaces for a new or flat file. */
function layoutOf(text: string): Layout {
  const indent = /^([ \t]+)["{[\]}]/m.exec(text)?.[1] ?? '  ';
  return { unit: indent.startsWith('\t') ? '\t' : indent, eol: lineEnding(text) };
}

function treeOf(text: string, file: string): Node {
  const errors: ParseError[] = [];
  const root = parseTree(text, errors, { allowTrailingComma: true, allowEmptyContent: true });
  const first = errors[0];
  if (first) {
    const { line, column } = lineAndColumn(text, first.offset);
    throw invalidConfig(file, `JSON (${printParseErrorCode(first.error)})`, line, column);
  }
  if (root === undefined || root.type !== 'object') throw invalidConfig(file, 'JSON: its top level is not an object');
  return root;
}

const lineStart = (text: string, offset: number): number => text.lastIndexOf('\n', offset - 1) + 1;
function lineEnd(text: string, offset: number): number {
  const newline = text.indexOf('\n', offset);
  if (newline === -1) return text.length;
  return newline > offset && text[newline - 1] === '\r' ? newline - 1 : newline;
}
const indentAt = (text: string, offset: number): string => /^[ \t]*/.exec(text.slice(lineStart(text, offset)))?.[0] ?? '';
/** Only whitespace or a comment between `offset` and the end of its line. */
const restIsTrivia = (text: string, offset: number): boolean => /^\s*(\/\/.*|\/\*.*\*\/\s*)?$/.test(text.slice(offset, lineEnd(text, offset)));
const end = (node: Node): number => node.offset + node.length;

/** The offset of a comma that is the next token after `offset` (past whitespace and comments), if it is one. */
function commaAfter(text: string, offset: number): number | undefined {
  const at = offset + (/^(?:\s|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*/.exec(text.slice(offset))?.[0].length ?? 0);
  return text[at] === ',' ? at : undefined;
}

function valueText(value: unknown, indent: string, layout: Layout, compact: boolean): string {
  return compact ? JSON.stringify(value) : JSON.stringify(value, null, layout.unit).split('\n').join(layout.eol + indent);
}

const splice = (text: string, from: number, to: number, insert: string): string => text.slice(0, from) + insert + text.slice(to);

function insertProperty(text: string, object: Node, name: string, value: unknown): string {
  const layout = layoutOf(text);
  const properties = object.children ?? [];
  const compact = properties.length > 0 && !text.slice(object.offset, end(object)).includes('\n');
  const first = properties[0];
  const indent = first && lineStart(text, first.offset) + indentAt(text, first.offset).length === first.offset ? indentAt(text, first.offset) : indentAt(text, object.offset) + layout.unit;
  const property = `${JSON.stringify(name)}: ${valueText(value, indent, layout, compact)}`;
  const last = properties.at(-1);
  if (last === undefined) {
    const open = object.offset + 1;
    const close = end(object) - 1;
    if (text.slice(open, close).trim() === '') return splice(text, open, close, `${layout.eol}${indent}${property}${layout.eol}${indentAt(text, close)}`);
    return splice(text, open, open, `${layout.eol}${indent}${property}`); // before the comments the object holds
  }
  const comma = commaAfter(text, end(last));
  if (compact) return splice(text, end(last), end(last), `,${JSON.stringify(name)}:${JSON.stringify(value)}`);
  if (comma !== undefined) {
    // a trailing comma: the new property goes on a line of its own after that line, with one too
    const at = restIsTrivia(text, comma + 1) ? lineEnd(text, comma + 1) : comma + 1;
    return splice(text, at, at, `${layout.eol}${indent}${property},`);
  }
  if (restIsTrivia(text, end(last))) {
    const at = lineEnd(text, end(last));
    return splice(splice(text, at, at, `${layout.eol}${indent}${property}`), end(last), end(last), ',');
  }
  return splice(text, end(last), end(last), `,${layout.eol}${indent}${property}`);
}

function removeProperty(text: string, object: Node, property: Node): string {
  const properties = object.children ?? [];
  const index = properties.indexOf(property);
  let from = property.offset;
  let to = end(property);
  const comma = commaAfter(text, to);
  if (comma !== undefined) to = comma + 1;
  const start = lineStart(text, from);
  if (start > 0 && text.slice(start, from).trim() === '' && text.slice(to, lineEnd(text, to)).trim() === '') {
    // a property on lines of its own goes with its line break
    to = lineEnd(text, to);
    from = start - (text[start - 2] === '\r' ? 2 : 1);
  }
  if (properties.length === 1 && text.slice(object.offset + 1, from).trim() === '' && text.slice(to, end(object) - 1).trim() === '') {
    return splice(text, object.offset + 1, end(object) - 1, '');
  }
  const previous = properties[index - 1];
  const previousComma = comma === undefined && previous !== undefined ? commaAfter(text, end(previous)) : undefined;
  const removed = splice(text, from, to, '');
  return previousComma === undefined ? removed : splice(removed, previousComma, previousComma + 1, '');
}

function serversNode(root: Node, key: string, file: string): Node | undefined {
  const servers = findNodeAtLocation(root, [key]);
  if (servers !== undefined && servers.type !== 'object') throw invalidConfig(file, `as an MCP configuration: "${key}" is not an object`);
  return servers;
}

/** Replaces the JSON value at `node` with `value`, laid out from the indentation of the line it starts on. */
function replaceValue(text: string, node: Node, value: unknown): string {
  const layout = layoutOf(text);
  const compact = !text.slice(node.offset, end(node)).includes('\n');
  if (Array.isArray(value) && !compact && node.children?.[0] !== undefined) {
    const indent = indentAt(text, node.children[0].offset);
    const items = value.map((item) => `${indent}${JSON.stringify(item)}`).join(`,${layout.eol}`);
    return splice(text, node.offset, end(node), `[${layout.eol}${items}${layout.eol}${indentAt(text, end(node) - 1)}]`);
  }
  const inline = compact && Array.isArray(value) ? `[${value.map((item) => JSON.stringify(item)).join(', ')}]` : undefined;
  return splice(text, node.offset, end(node), inline ?? valueText(value, indentAt(text, node.offset), layout, false));
}

export const jsonFormat: ConfigFormat = {
  servers(text, key, file) {
    if (text.trim() === '') return {};
    const servers = serversNode(treeOf(text, file), key, file);
    return servers === undefined ? {} : (getNodeValue(servers) as Record<string, unknown>);
  },
  setEntry(text, key, name, entry) {
    if (text.trim() === '') return entry === undefined ? text : `${JSON.stringify({ [key]: { [name]: entry } }, null, 2)}\n`;
    const root = treeOf(text, 'the configuration');
    const servers = serversNode(root, key, 'the configuration');
    if (servers === undefined) return entry === undefined ? text : insertProperty(text, root, key, { [name]: entry });
    const value = findNodeAtLocation(servers, [name]);
    if (value === undefined) return entry === undefined ? text : insertProperty(text, servers, name, entry);
    if (entry === undefined) return value.parent ? removeProperty(text, servers, value.parent) : text;
    return replaceValue(text, value, entry);
  },
  setCommand(text, key, name, command, args) {
    const root = treeOf(text, 'the configuration');
    const argsNode = findNodeAtLocation(root, [key, name, 'args']);
    const commandNode = findNodeAtLocation(root, [key, name, 'command']);
    if (argsNode === undefined || commandNode === undefined) throw invalidConfig('the configuration', `JSON: "${name}" has no command or args`);
    // the later edit first, so that the earlier one's offsets still hold
    const edits: Array<[Node, unknown]> = [[argsNode, args], [commandNode, command]];
    return edits.sort((a, b) => b[0].offset - a[0].offset).reduce((result, [node, value]) => replaceValue(result, node, value), text);
  },
};
