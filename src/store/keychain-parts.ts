// A secret too large for one keychain entry (Windows Credential Manager holds 2,560 bytes: 1,280 UTF-16 units) kept
// across several: a head entry naming its parts, written after them, so that a write cut short leaves the old secret whole.

const HEAD = 'mcp-tether-parts:';

/** How many UTF-16 units one entry of the platform's keychain holds; undefined where a record always fits. */
export function entryLimit(platform: NodeJS.Platform): number | undefined {
  return platform === 'win32' ? 1280 : undefined;
}

/** A head entry: which generation of parts it names, how many there are, and the first part (held in the head). */
export interface PartsHead {
  generation: string;
  count: number;
  first: string;
}

/** The account of part `index` (2 and up) of a generation; the head keeps the account itself. */
export function partAccount(account: string, generation: string, index: number): string {
  return `${account} (part ${index}, ${generation})`;
}

/** The head's words, if `stored` is one (a record itself is JSON and starts with "{"). */
export function readHead(stored: string): PartsHead | undefined {
  if (!stored.startsWith(HEAD)) return undefined;
  const match = /^([0-9a-f]{1,32}):(\d{1,4}):/.exec(stored.slice(HEAD.length));
  if (!match) return undefined;
  return { generation: match[1] ?? '', count: Number(match[2]), first: stored.slice(HEAD.length + match[0].length) };
}

/** `value` cut into pieces of at most `size` UTF-16 units, never between the two halves of a surrogate pair. */
function pieces(value: string, size: number): string[] {
  const out: string[] = [];
  let at = 0;
  while (at < value.length) {
    let end = Math.min(at + size, value.length);
    const last = value.charCodeAt(end - 1);
    if (end < value.length && last >= 0xd800 && last <= 0xdbff) end -= 1;
    out.push(value.slice(at, end));
    at = end;
  }
  return out;
}

/**
 * The entries that keep `value` under `account` where one holds at most `limit` units: just the head when it fits,
 * else a head carrying the first piece and the generation's parts, to be written parts first.
 */
export function splitSecret(account: string, value: string, limit: number, generation: string): { head: string; parts: { account: string; value: string }[] } {
  if (value.length <= limit && !value.startsWith(HEAD)) return { head: value, parts: [] };
  // The head's words take room in the head: the first piece is cut shorter by their length (generation and count
  // are at most 32 and 4 characters).
  const room = limit - (HEAD.length + generation.length + 6);
  const first = pieces(value, room)[0] ?? '';
  const all = [first, ...pieces(value.slice(first.length), limit)];
  return {
    head: `${HEAD}${generation}:${all.length}:${all[0] ?? ''}`,
    parts: all.slice(1).map((piece, index) => ({ account: partAccount(account, generation, index + 2), value: piece })),
  };
}

/** The accounts of a head's other parts, in order. */
export function partAccounts(account: string, head: PartsHead): string[] {
  return Array.from({ length: Math.max(0, head.count - 1) }, (_, index) => partAccount(account, head.generation, index + 2));
}

/** The secret a head and its other parts (in order) hold; undefined when a part is missing. */
export function joinParts(head: PartsHead, rest: (string | null | undefined)[]): string | undefined {
  if (rest.length !== head.count - 1 || rest.some((part) => typeof part !== 'string')) return undefined;
  return head.first + rest.join('');
}
