// `uses:` lines read from the raw text, because the version comment after a SHA pin
// (`@<sha> # v1.2.3`) is exactly what a YAML parser throws away.

export interface UsesLine {
  line: number;
  /** The full value, e.g. `actions/checkout@<sha>`. */
  uses: string;
  /** Text of the trailing `# comment`, trimmed; undefined when there is none. */
  comment: string | undefined;
}

const USES_LINE = /^\s*(?:-\s+)?uses:\s*(?:"([^"]*)"|'([^']*)'|([^\s#]+))\s*(?:#\s*(.*?))?\s*$/;

export function findUsesLines(text: string): UsesLine[] {
  const found: UsesLine[] = [];
  text.split('\n').forEach((content, index) => {
    const match = USES_LINE.exec(content);
    if (!match) return;
    const uses = match[1] ?? match[2] ?? match[3] ?? '';
    found.push({ line: index + 1, uses, comment: match[4] || undefined });
  });
  return found;
}
