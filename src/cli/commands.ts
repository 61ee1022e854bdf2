// The names of mcp-tether's commands, and which one a mistyped word was probably meant to be.

export const COMMANDS = ['login', 'logout', 'status', 'help', 'add', 'remove', 'doctor'] as const;

/** Edit distance (insertions, deletions, substitutions, and swaps of neighbours) between two short words. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The command a bare word (no dot, colon or slash: not a URL) was probably meant to be, if any. */
export function closestCommand(word: string): string | undefined {
  if (/[.:/]/.test(word) || word.length < 3) return undefined;
  const lower = word.toLowerCase();
  let best: { name: string; distance: number } | undefined;
  for (const name of COMMANDS) {
    const distance = editDistance(lower, name);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}
