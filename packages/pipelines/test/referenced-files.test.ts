import { existsSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { loadRepository } from '../src/repository.js';
import { allJobs, allSteps, describeStep } from '../src/workflows.js';

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

test('the policy pack the workflows enforce is a policy pack (PulumiPolicy.yaml)', (t) => {
  const packs = new Set(
    allSteps(repo.workflows).flatMap(({ step }) => [
      ...[...(step.run ?? '').matchAll(/--policy-pack\s+(\S+)/g)].map((m) => m[1] ?? ''),
      ...(typeof step.with?.policyPacks === 'string' ? [step.with.policyPacks] : []),
    ]),
  );
  t.deepEqual([...packs], ['infra/policy']);
  t.true(
    existsSync(join(repo.root, 'infra', 'policy', 'PulumiPolicy.yaml')),
    'infra/policy/PulumiPolicy.yaml',
  );
});

test('every stack the workflows operate on has its Pulumi.<stack>.yaml', (t) => {
  const stacks = new Set<string>();
  for (const { job } of allJobs(repo.workflows)) {
    const matrixStacks = job.strategy?.matrix?.stack;
    if (Array.isArray(matrixStacks)) for (const s of matrixStacks) stacks.add(String(s));
    if (typeof job.env?.STACK === 'string') stacks.add(job.env.STACK);
    for (const step of job.steps ?? []) {
      for (const m of (step.run ?? '').matchAll(/--stack\s+([A-Za-z0-9_-]+)/g)) stacks.add(m[1] ?? '');
      for (const m of (step.run ?? '').matchAll(/pulumi stack select (?:--create )?([A-Za-z0-9_-]+)/g))
        stacks.add(m[1] ?? '');
    }
  }
  t.deepEqual([...stacks].sort(), ['dev', 'minikube', 'prod']);
  const missing = [...stacks].filter((stack) => !existsSync(join(repo.root, `Pulumi.${stack}.yaml`)));
  t.deepEqual(missing, []);
});
