import test from 'ava';
import { loadRepository } from '../src/repository.js';
import { calledWorkflow, runsOnPushTo, transitiveNeeds, triggers } from '../src/triggers.js';
import { allSteps, describeStep, type Job, stepUses } from '../src/workflows.js';

// The deploy ships only a commit whose CI and e2e passed, and only that commit. deploy.yml calls
// ci.yml and e2e.yml as reusable workflows in the same run, and every job that pushes an image or
// changes a cloud stack needs both: a failed or skipped check stops the deploy. All jobs of one run
// share `github.sha`, and no checkout picks another ref, so the tested commit is the shipped one.

const repo = loadRepository();
const deploy = repo.workflows.find((file) => file.name === 'deploy.yml');
const jobs = deploy?.workflow.jobs ?? {};

const shipsSomething = (job: Job) =>
  (job.steps ?? []).some(
    (step) =>
      /\bpulumi\s+up\b/.test(step.run ?? '') ||
      (stepUses(step, 'docker/build-push-action') && step.with?.push === true),
  );

test('deploy.yml runs for every push to main', (t) => {
  t.true(deploy !== undefined && runsOnPushTo(deploy.workflow, 'main'));
});

test('ci.yml and e2e.yml can be called, and deploy.yml calls both', (t) => {
  for (const name of ['ci.yml', 'e2e.yml']) {
    const file = repo.workflows.find((candidate) => candidate.name === name);
    t.true(file !== undefined && 'workflow_call' in triggers(file.workflow), `${name}: no workflow_call`);
  }
  t.deepEqual(
    Object.values(jobs)
      .flatMap((job) => calledWorkflow(job) ?? [])
      .sort(),
    ['ci.yml', 'e2e.yml'],
  );
});

test('every job that pushes the image or runs pulumi up needs the ci and e2e jobs', (t) => {
  const gates = Object.entries(jobs)
    .filter(([, job]) => ['ci.yml', 'e2e.yml'].includes(calledWorkflow(job) ?? ''))
    .map(([id]) => id);
  const shipping = Object.entries(jobs).filter(([, job]) => shipsSomething(job));
  t.deepEqual(shipping.map(([id]) => id).sort(), ['build', 'deploy-dev', 'deploy-prod']);
  const ungated = shipping.flatMap(([id]) => {
    const needs = transitiveNeeds(deploy?.workflow ?? { jobs: {} }, id);
    return gates.filter((gate) => !needs.has(gate)).map((gate) => `${id} does not need ${gate}`);
  });
  t.deepEqual(ungated, []);
});

test('main commits are checked once: ci.yml and e2e.yml do not also run on push', (t) => {
  for (const name of ['ci.yml', 'e2e.yml']) {
    const file = repo.workflows.find((candidate) => candidate.name === name);
    t.false(file !== undefined && 'push' in triggers(file.workflow), `${name} runs on push as well`);
  }
});

test('no checkout in the deploy, ci or e2e workflows picks a ref other than the commit of the run', (t) => {
  const files = repo.workflows.filter((file) => ['deploy.yml', 'ci.yml', 'e2e.yml'].includes(file.name));
  const checkouts = allSteps(files).filter(({ step }) => stepUses(step, 'actions/checkout'));
  t.true(checkouts.length > 0);
  t.deepEqual(
    checkouts
      .filter(({ step }) => step.with?.ref !== undefined || step.with?.repository !== undefined)
      .map(describeStep),
    [],
  );
});

// `needs` stops a job whose dependency failed only while the job's `if:` keeps the implicit
// success(); always(), failure() or !cancelled() would ship after a failed check.
test('no job that ships overrides the stop on a failed check', (t) => {
  t.deepEqual(
    Object.entries(jobs)
      .filter(([, job]) => shipsSomething(job) && /\b(always|failure|cancelled)\s*\(/.test(job.if ?? ''))
      .map(([id, job]) => `${id}: if: ${job.if}`),
    [],
  );
});
