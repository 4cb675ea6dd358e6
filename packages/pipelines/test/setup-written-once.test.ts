import test from 'ava';
import { findPnpmInvocations } from '../src/pnpm-invocations.js';
import { loadRepository } from '../src/repository.js';
import { allJobs, stepUses } from '../src/workflows.js';
import { writtenSteps } from '../src/written-steps.js';

// pnpm, Node and the install are set up by one composite action, so the jobs cannot drift apart
// (one job on another Node, one without the store cache, one with a loose install).

const repo = loadRepository();
const SETUP = './.github/actions/setup-workspace';
const SETUP_FILE = '.github/actions/setup-workspace/action.yml';

test('pnpm/setup, actions/setup-node and pnpm install are written only in the setup action', (t) => {
  const setupSteps = writtenSteps(repo).filter(
    ({ step }) =>
      stepUses(step, 'pnpm/setup') ||
      stepUses(step, 'actions/setup-node') ||
      findPnpmInvocations(step.run ?? '').some(
        (call) => call.kind === 'builtin' && ['install', 'i'].includes(call.command),
      ),
  );
  t.is(setupSteps.length, 3, 'pnpm/setup, setup-node, pnpm install');
  t.deepEqual(
    setupSteps.filter(({ where }) => !where.startsWith(`${SETUP_FILE} `)).map(({ where }) => where),
    [],
  );
});

test('the nine jobs that run pnpm or need node_modules use the setup action', (t) => {
  // As run: a job may use it through another local action (deploy-stack, preview-stack).
  const users = allJobs(repo.workflows)
    .filter(({ job }) =>
      (job.steps ?? []).some((step) => step.origin?.via.some((hop) => hop.action === SETUP)),
    )
    .map(({ file, id }) => `${file.name} › ${id}`);
  t.deepEqual(users, [
    'ci.yml › lint',
    'ci.yml › test',
    'ci.yml › image',
    'deploy.yml › deploy-dev',
    'deploy.yml › deploy-prod',
    'e2e.yml › chart-on-kind',
    'e2e.yml › pulumi-on-minikube',
    'preview.yml › dev',
    'preview.yml › prod',
  ]);
});
