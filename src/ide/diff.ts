// The change `--print` shows: one unified-diff hunk around the lines that differ (an entry's edit is contiguous; a
// migration's edits are shown in the one hunk that spans them).

const CONTEXT = 2;

export function unifiedDiff(file: string, before: string, after: string): string {
  const lines = (text: string): string[] => (text === '' ? [] : text.split('\n').map((line) => line.replace(/\r$/, '')));
  const a = lines(before);
  const b = lines(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const from = Math.max(0, start - CONTEXT);
  const toA = Math.min(a.length, endA + CONTEXT);
  const toB = endB + (toA - endA);
  return [
    `--- ${file}`,
    `+++ ${file}`,
    `@@ -${from + 1},${toA - from} +${from + 1},${toB - from} @@`,
    ...a.slice(from, start).map((line) => ` ${line}`),
    ...a.slice(start, endA).map((line) => `-${line}`),
    ...b.slice(start, endB).map((line) => `+${line}`),
    ...a.slice(endA, toA).map((line) => ` ${line}`),
  ].join('\n');
}
