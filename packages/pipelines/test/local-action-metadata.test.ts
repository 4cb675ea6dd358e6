import test from 'ava';
import { expression } from '../src/expressions.js';
import { loadRepository } from '../src/repository.js';
import { isRecord } from '../src/workflows.js';

// What the schema leaves to this repository in the metadata of .github/actions/*/action.yml.

const repo = loadRepository();
const EXPRESSION = /\$\{\{\s*(.*?)\s*\}\}/g;
const PLAIN_INPUT = /^inputs\.([A-Za-z_][A-Za-z0-9_-]*)$/;

/** Every string inside a parsed YAML value. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  return isRecord(value) ? Object.values(value).flatMap(strings) : [];
}

// GitHub's action schema (linters.test.ts) requires name, description and `shell:` on composite
// `run:` steps, but not a description per input: a caller reads it to know what to pass.
test('every input of a local action is described', (t) => {
  const problems = repo.localActions.flatMap(({ file, metadata }) =>
    Object.entries(metadata.inputs ?? {})
      .filter(([, input]) => typeof input?.description !== 'string' || input.description === '')
      .map(([name]) => `${file}: input ${name} has no description`),
  );
  t.deepEqual(problems, []);
});

// The checks follow an input into the action's steps only in this plain form; anything else
// (`inputs.x || 'y'`, `inputs['x']`, an undeclared name) would leave a rule looking at a guess.
test(`composite actions use their inputs only as ${expression('inputs.<declared name>')}`, (t) => {
  const problems = repo.localActions.flatMap(({ file, metadata }) => {
    const declared = new Set(Object.keys(metadata.inputs ?? {}));
    return strings(metadata.runs?.steps ?? [])
      .flatMap((text) => [...text.matchAll(EXPRESSION)])
      .map((match) => match[1] ?? '')
      .filter((inner) => /\binputs\b/.test(inner))
      .filter((inner) => !declared.has(PLAIN_INPUT.exec(inner)?.[1] ?? ''))
      .map((inner) => `${file}: ${expression(inner)}`);
  });
  t.deepEqual(problems, []);
});
