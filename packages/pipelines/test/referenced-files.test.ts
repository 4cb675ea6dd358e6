import { existsSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { loadRepository } from '../src/repository.js';
import { allSteps, describeStep } from '../src/workflows.js';

// Paths the workflows hand to tools (Dockerfile, chart, values files, kind config, manifests,
// policy pack) must exist, or the pipeline fails only once it runs on GitHub.

const repo = loadRepository();
const REPO_PATH = /(?<![\w./-])((?:packages|infra|\.github)\/[\w./-]*[\w/])/g;

const references = allSteps(repo.workflows).flatMap((ref) => {
  const inputs = Object.values(ref.step.with ?? {}).filter(
    (value): value is string => typeof value === 'string',
  );
  const texts = [ref.step.run ?? '', ...inputs];
  return texts.flatMap((text) =>
    [...text.matchAll(REPO_PATH)].map((match) => ({ ref, path: match[1] ?? '' })),
  );
});

test('the workflows reference repository files (the check is not empty)', (t) => {
  const paths = new Set(references.map((r) => r.path));
  for (const expected of [
    'packages/service/Dockerfile',
    'packages/chart/values-minikube.yaml',
    'infra/policy',
  ]) {
    t.true(paths.has(expected), expected);
  }
});

test('every repository path a workflow references exists', (t) => {
  const missing = references
    .filter(({ path }) => !existsSync(join(repo.root, path)))
    .map(({ ref, path }) => `${describeStep(ref)}: ${path}`);
  t.deepEqual(missing, []);
});

test('the chart the workflows install is a chart', (t) => {
  t.true(existsSync(join(repo.root, 'packages', 'chart', 'Chart.yaml')));
});
