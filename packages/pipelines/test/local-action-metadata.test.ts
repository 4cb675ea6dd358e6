import test from 'ava';
import { expression } from '../src/expressions.js';
import { loadRepository } from '../src/repository.js';
import { isRecord } from '../src/workflows.js';

// actionlint reads workflows only; the metadata of the actions in .github/actions is checked
// here. GitHub rejects a composite `run:` step without `shell:` when the job starts.

const repo = loadRepository();
const EXPRESSION = /\$\{\{\s*(.*?)\s*\}\}/g;
const PLAIN_INPUT = /^inputs\.([A-Za-z_][A-Za-z0-9_-]*)$/;

/** Every string inside a parsed YAML value. */
function strings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(strings);
  return isRecord(value) ? Object.values(value).flatMap(strings) : [];
}

test('every local action has a name and a description, and describes each input', (t) => {
  const problems = repo.localActions.flatMap(({ file, metadata }) => [
    ...(typeof metadata.name === 'string' && metadata.name !== '' ? [] : [`${file}: no name`]),
    ...(typeof metadata.description === 'string' && metadata.description !== ''
      ? []
      : [`${file}: no description`]),
    ...Object.entries(metadata.inputs ?? {})
      .filter(([, input]) => typeof input?.description !== 'string' || input.description === '')
      .map(([name]) => `${file}: input ${name} has no description`),
  ]);
  t.deepEqual(problems, []);
});

test('every run: step of a composite action names its shell', (t) => {
  const problems = repo.localActions.flatMap(({ file, metadata }) =>
    (metadata.runs?.steps ?? [])
      .map((step, index) => ({ step, index }))
      .filter(({ step }) => step.run !== undefined && !step.shell)
      .map(({ index }) => `${file} › step ${index + 1}: run: without shell:`),
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
