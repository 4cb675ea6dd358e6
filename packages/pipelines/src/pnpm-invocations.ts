import { parse } from 'shell-quote';

// Finds the pnpm commands a `run:` script executes and says what each one runs, so the checks
// can compare them with the scripts that really exist in the workspace's package.json files.

export type PnpmInvocation =
  | { kind: 'builtin'; command: string; args: string[]; text: string }
  | {
      kind: 'script';
      script: string;
      /** `--filter`/`-F` package selector, when given. */
      filter?: string;
      /** `--dir`/`-C` directory, when given. */
      dir?: string;
      recursive: boolean;
      args: string[];
      text: string;
    };

/** pnpm's own commands (not package scripts). `test`/`start` are absent on purpose: they run scripts. */
const BUILTINS = new Set([
  'add',
  'audit',
  'bin',
  'config',
  'env',
  'exec',
  'fetch',
  'i',
  'install',
  'licenses',
  'list',
  'ls',
  'outdated',
  'prune',
  'rebuild',
  'remove',
  'root',
  'store',
  'update',
  'why',
]);

const SEPARATORS = new Set(['&&', '||', ';', ';;', '|', '|&', '&', '(', ')']);
const SHELL_KEYWORDS = new Set(['if', 'then', 'elif', 'else', 'do', 'while', 'until', '!', 'time', 'exec']);
const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;

type Token = string | { op: string } | { comment: string } | { op: 'glob'; pattern: string };

/** Logical lines: backslash-newline continuations joined. */
function logicalLines(script: string): string[] {
  return script.replace(/\\\n/g, ' ').split('\n');
}

/** Command substitutions `$(…)` inside a word, scanned as scripts of their own. */
function substitutions(word: string): string[] {
  return [...word.matchAll(/\$\(([^()]*)\)/g)].map((match) => match[1] ?? '');
}

function segments(line: string): string[][] {
  // Keep `$NAME` as written instead of expanding it to ''.
  const tokens = parse(line, (name) => `$${name}`) as Token[];
  const result: string[][] = [[]];
  let redirected = false;
  for (const token of tokens) {
    if (typeof token === 'string') {
      if (!redirected) result[result.length - 1]?.push(token);
      continue;
    }
    if ('comment' in token) break;
    if ('pattern' in token) {
      if (!redirected) result[result.length - 1]?.push(token.pattern);
      continue;
    }
    if (SEPARATORS.has(token.op)) {
      result.push([]);
      redirected = false;
    } else {
      // A redirection: what follows is a file name, not an argument of the command.
      redirected = true;
    }
  }
  return result.filter((segment) => segment.length > 0);
}

function takesValue(flag: string): boolean {
  return ['--filter', '-F', '--dir', '-C', '--workspace-concurrency', '--reporter', '--loglevel'].includes(
    flag,
  );
}

function interpret(words: string[]): PnpmInvocation {
  const text = words.join(' ');
  let filter: string | undefined;
  let dir: string | undefined;
  let recursive = false;
  let i = 1;
  for (; i < words.length; i++) {
    const word = words[i] ?? '';
    if (!word.startsWith('-')) break;
    const [flag, inline] = word.includes('=')
      ? [word.slice(0, word.indexOf('=')), word.slice(word.indexOf('=') + 1)]
      : [word, undefined];
    const value = inline ?? (takesValue(flag) ? words[++i] : undefined);
    if (flag === '--filter' || flag === '-F') filter = value;
    else if (flag === '--dir' || flag === '-C') dir = value;
    else if (flag === '-r' || flag === '--recursive') recursive = true;
  }
  const command = words[i] ?? '';
  const rest = words.slice(i + 1);
  if (BUILTINS.has(command)) return { kind: 'builtin', command, args: rest, text };
  const script = command === 'run' ? (rest.find((w) => !w.startsWith('-')) ?? '') : command;
  const args = command === 'run' ? rest.slice(rest.indexOf(script) + 1) : rest;
  return {
    kind: 'script',
    script,
    recursive,
    args,
    text,
    ...(filter === undefined ? {} : { filter }),
    ...(dir === undefined ? {} : { dir }),
  };
}

/** Every pnpm command a shell script runs, in order (command substitutions included). */
export function findPnpmInvocations(script: string): PnpmInvocation[] {
  const found: PnpmInvocation[] = [];
  for (const line of logicalLines(script)) {
    for (const segment of segments(line)) {
      for (const word of segment)
        for (const inner of substitutions(word)) found.push(...findPnpmInvocations(inner));
      let start = 0;
      while (
        start < segment.length &&
        (SHELL_KEYWORDS.has(segment[start] ?? '') || ASSIGNMENT.test(segment[start] ?? ''))
      ) {
        start++;
      }
      if (segment[start] === 'pnpm') found.push(interpret(segment.slice(start)));
    }
  }
  return found;
}
