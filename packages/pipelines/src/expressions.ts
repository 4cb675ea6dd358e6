import { data, Evaluator, Lexer, Parser } from '@actions/expressions';
import type { FunctionDefinition } from '@actions/expressions/funcs/info';

// GitHub Actions expressions evaluated with GitHub's own evaluator (@actions/expressions, from the
// same repository as the workflow schema), so a rule can ask what a workflow does for a given
// event (a push to main, a pull request, a Dependabot pull request) instead of matching text.

/** The GitHub Actions expression `${{ <inner> }}` as it appears in workflow text. */
export function expression(inner: string): string {
  return `\${{ ${inner} }}`;
}

/** The contexts an expression reads (`github`, `env`, `matrix`…), as plain JSON. */
export type ExpressionContext = Record<string, unknown>;

const CONTEXT_NAMES = [
  'github',
  'env',
  'vars',
  'secrets',
  'inputs',
  'matrix',
  'needs',
  'steps',
  'job',
  'runner',
  'strategy',
];

// Status functions as they answer while a job is running normally (nothing failed, not cancelled).
const STATUS: FunctionDefinition[] = [
  ['success', true],
  ['always', true],
  ['failure', false],
  ['cancelled', false],
].map(([name, value]) => ({
  name: String(name),
  minArgs: 0,
  maxArgs: 0,
  call: () => new data.BooleanData(Boolean(value)),
}));

function toJs(value: data.ExpressionData): unknown {
  return JSON.parse(JSON.stringify(value, data.replacer));
}

/** Evaluates the inside of one `${{ }}` (no braces) against `context`; returns a plain JS value. */
export function evaluate(inner: string, context: ExpressionContext): unknown {
  const { tokens } = new Lexer(inner).lex();
  const tree = new Parser(tokens, CONTEXT_NAMES, STATUS).parse();
  // A context the caller leaves out is empty, as `vars` is in a repository that defines none.
  const full = { ...Object.fromEntries(CONTEXT_NAMES.map((name) => [name, {}])), ...context };
  const contextData = JSON.parse(JSON.stringify(full), data.reviver) as data.Dictionary;
  return toJs(new Evaluator(tree, contextData, new Map(STATUS.map((f) => [f.name, f]))).evaluate());
}

const WHOLE = /^\s*\$\{\{\s*([\s\S]*?)\s*\}\}\s*$/;
const ANY = /\$\{\{\s*([\s\S]*?)\s*\}\}/g;

/**
 * A workflow value as the runner sees it: a lone `${{ x }}` becomes x's value (a boolean stays a
 * boolean), `${{ }}` inside text becomes its string form, anything else is returned as is.
 */
export function resolve(value: unknown, context: ExpressionContext): unknown {
  if (typeof value !== 'string') return value;
  const whole = WHOLE.exec(value);
  if (whole) return evaluate(whole[1] ?? '', context);
  return value.replace(ANY, (_, inner: string) => {
    const result = evaluate(inner, context);
    return result === null || result === undefined ? '' : String(result);
  });
}

/** Whether an `if:` lets the job or step run (`if:` may omit the braces; absent = runs). */
export function condition(value: unknown, context: ExpressionContext): boolean {
  if (value === undefined || value === null) return true;
  if (typeof value === 'boolean') return value;
  const text = String(value);
  const result = WHOLE.test(text) ? resolve(text, context) : evaluate(text, context);
  return Boolean(result);
}
