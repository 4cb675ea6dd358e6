import test from 'ava';
import { condition, type ExpressionContext } from '../src/expressions.js';
import { loadRepository } from '../src/repository.js';
import { triggers } from '../src/triggers.js';
import { allJobs, type Job, stepUses } from '../src/workflows.js';

// Dependabot's pull requests run without Actions secrets: a step assuming an AWS role would fail
// on an empty role ARN. For such a pull request, the `if:` conditions (evaluated with GitHub's
// evaluator) must skip every AWS step and run a step that says so on the pull request; for a
// person's pull request the same steps must run.

const repo = loadRepository();

function pullRequest(actor: string): ExpressionContext {
  return {
    github: {
      event_name: 'pull_request',
      actor,
      repository: 'owner/repo',
      event: { pull_request: { number: 7, head: { repo: { full_name: 'owner/repo' } } } },
    },
  };
}

/** The steps of a job that run in `context` (the job's own `if:` first). */
function stepsRun(job: Job, context: ExpressionContext) {
  if (!condition(job.if, context)) return [];
  return (job.steps ?? []).filter((step) => condition(step.if, context));
}

const prJobs = allJobs(repo.workflows).filter(({ file }) => 'pull_request' in triggers(file.workflow));
const assumesRole = (step: { uses?: string }) => stepUses(step, 'aws-actions/configure-aws-credentials');
const comments = (step: { run?: string }) => /\bgh\s+pr\s+comment\b/.test(step.run ?? '');

test('for a Dependabot pull request no step assumes an AWS role', (t) => {
  const dependabot = pullRequest('dependabot[bot]');
  t.deepEqual(
    prJobs.flatMap(({ file, id, job }) =>
      stepsRun(job, dependabot)
        .filter(assumesRole)
        .map(() => `${file.name} › ${id}`),
    ),
    [],
  );
});

test('for a Dependabot pull request a step says on the pull request that the preview was skipped', (t) => {
  const dependabot = pullRequest('dependabot[bot]');
  t.true(prJobs.some(({ job }) => stepsRun(job, dependabot).some(comments)));
});

test("for a person's pull request the AWS steps run and no skip note is posted", (t) => {
  const person = pullRequest('octocat');
  const steps = prJobs.flatMap(({ job }) => stepsRun(job, person));
  t.true(steps.filter(assumesRole).length >= 2, 'the dev and prod previews assume their roles');
  t.false(steps.some(comments));
});
