import test from 'ava';
import { isCloudDeploy, stackOf } from '../src/pulumi-jobs.js';
import { loadRepository } from '../src/repository.js';
import { allJobs, environmentName } from '../src/workflows.js';

// A job that changes a cloud stack runs inside the GitHub environment of that stack: the
// environment holds its secrets, scopes its OIDC subject (…:environment:<stack>) and, for prod,
// waits for a reviewer. The minikube stack (local state, throwaway cluster) is the exception.

const repo = loadRepository();

const deployJobs = allJobs(repo.workflows).filter(({ job }) => isCloudDeploy(job));

test('there are cloud deploy jobs (dev and prod)', (t) => {
  t.deepEqual(deployJobs.map(({ file, id }) => `${file.name} › ${id}`).sort(), [
    'deploy.yml › deploy-dev',
    'deploy.yml › deploy-prod',
  ]);
});

test('every cloud deploy job is bound to the environment named after its stack', (t) => {
  const problems = deployJobs.flatMap(({ file, id, job }) => {
    const environment = environmentName(job);
    const stack = stackOf(job);
    if (!environment) return [`${file.name} › ${id}: no environment`];
    return environment === stack
      ? []
      : [`${file.name} › ${id}: environment ${environment} but STACK=${String(stack)}`];
  });
  t.deepEqual(problems, []);
});

test('prod deploys only after dev deployed and passed its smoke test', (t) => {
  const prod = deployJobs.find(({ job }) => environmentName(job) === 'prod')?.job;
  const needs = prod?.needs === undefined ? [] : [prod.needs].flat();
  t.true(needs.includes('deploy-dev'), `deploy-prod needs: ${needs.join(', ')}`);
});

test('deploy jobs smoke test what they deployed', (t) => {
  const missing = deployJobs
    .filter(
      ({ job }) =>
        !(job.steps ?? []).some((step) =>
          /pnpm --filter @high-available-server\/ha smoke/.test(step.run ?? ''),
        ),
    )
    .map(({ file, id }) => `${file.name} › ${id}`);
  t.deepEqual(missing, []);
});
