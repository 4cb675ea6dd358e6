import test from 'ava';
import semver from 'semver';
import { expression } from '../src/expressions.js';
import { findLocalAction } from '../src/local-actions.js';
import { loadRepository } from '../src/repository.js';
import { allSteps, describeStep, stepUses } from '../src/workflows.js';

// Tools the workflows install must match what the code was written and tested against.

const repo = loadRepository();

test('Node in every workflow satisfies root package.json engines.node', (t) => {
  const range = repo.workspace.root.engines?.node;
  if (!range) return t.fail('root package.json has no engines.node');
  const versions = repo.workflows.map((file) => [file.name, file.workflow.env?.NODE_VERSION] as const);
  for (const [name, version] of versions) {
    t.truthy(
      semver.valid(String(version)),
      `${name}: NODE_VERSION '${String(version)}' is not an exact version`,
    );
    t.true(semver.satisfies(String(version), range), `${name}: ${String(version)} does not satisfy ${range}`);
  }
});

// setup-node runs inside .github/actions/setup-workspace, which takes the version as an input. In
// the workflows as run that input is filled in with what each workflow passes, so this holds only
// when the workflow passes ${{ env.NODE_VERSION }} and the action hands its input to setup-node.
test('setup-node installs the workflow env.NODE_VERSION in every job', (t) => {
  const setups = allSteps(repo.workflows).filter(({ step }) => stepUses(step, 'actions/setup-node'));
  t.true(setups.length >= 8, `setup-node seen in ${setups.length} jobs`);
  t.deepEqual(
    setups
      .filter(({ step }) => step.with?.['node-version'] !== expression('env.NODE_VERSION'))
      .map((ref) => `${describeStep(ref)}: node-version '${String(ref.step.with?.['node-version'])}'`),
    [],
  );
});

test('workflows hand env.NODE_VERSION to local actions explicitly, not through a default', (t) => {
  const calls = allSteps(repo.writtenWorkflows).filter(({ step }) => {
    const action = findLocalAction(repo.localActions, step.uses);
    return action?.metadata.inputs?.['node-version'] !== undefined;
  });
  t.true(calls.length > 0);
  t.deepEqual(
    calls
      .filter(({ step }) => step.with?.['node-version'] !== expression('env.NODE_VERSION'))
      .map((ref) => `${describeStep(ref)}: node-version '${String(ref.step.with?.['node-version'])}'`),
    [],
  );
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
      const resolved =
        raw === expression('env.PULUMI_VERSION') ? String(ref.file.workflow.env?.PULUMI_VERSION) : raw;
      return { ref, resolved };
    })
    .filter(({ resolved }) => resolved !== sdk)
    .map(({ ref, resolved }) => `${describeStep(ref)}: pulumi-version '${resolved}' ≠ ${sdk}`);
  t.deepEqual(wrong, []);
});
