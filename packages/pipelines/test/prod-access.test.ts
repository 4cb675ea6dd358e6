import test from 'ava';
import { isCloudDeploy, stackOf } from '../src/pulumi-jobs.js';
import { loadRepository } from '../src/repository.js';
import { triggers } from '../src/triggers.js';
import { allJobs, environmentName, type JobRef, stepUses } from '../src/workflows.js';

// Prod is reached only through a GitHub environment with required reviewers, from a runner inside
// prod's VPC:
//  - a job that works on the prod stack (deploy or preview) is bound to the `prod` environment or
//    a `prod-*` one (prod-preview): its role trusts only that environment's OIDC subject, and the
//    job waits for a reviewer before it is queued. So pull-request code never reads prod's state
//    or decrypts its secrets without prod's reviewers;
//  - one job, one stack: a matrix over stacks would hand one role (and one environment) to both;
//  - prod's EKS endpoint is private (or allow-listed), so those jobs run on GitHub Actions runners
//    hosted by AWS CodeBuild in the VPC; dev's is public, so dev jobs run on GitHub's runners.

const repo = loadRepository();
const runsPulumi = ({ job }: JobRef) =>
  isCloudDeploy(job) ||
  (job.steps ?? []).some((step) => stepUses(step, 'pulumi/actions') && step.with?.command === 'preview');
const stackJobs = allJobs(repo.workflows).filter(runsPulumi);
const where = ({ file, id }: JobRef) => `${file.name} › ${id}`;
const prodJobs = stackJobs.filter(({ job }) => stackOf(job) === 'prod');

// The label CodeBuild's runner webhook answers: `codebuild-<project>-<run id>-<run attempt>`.
const CODEBUILD_LABEL =
  /^codebuild-([a-z0-9][a-z0-9-]*)-\$\{\{ github\.run_id \}\}-\$\{\{ github\.run_attempt \}\}$/;

test('the jobs that preview or deploy a cloud stack, each with its stack', (t) => {
  t.deepEqual(stackJobs.map((ref) => `${where(ref)}: ${stackOf(ref.job)}`).sort(), [
    'deploy.yml › deploy-dev: dev',
    'deploy.yml › deploy-prod: prod',
    'preview.yml › dev: dev',
    'preview.yml › prod: prod',
  ]);
});

test('no job spans stacks with a matrix', (t) => {
  t.deepEqual(stackJobs.filter(({ job }) => job.strategy?.matrix?.stack !== undefined).map(where), []);
});

test('every job on the prod stack is bound to a prod environment (required reviewers)', (t) => {
  t.true(prodJobs.length >= 2);
  t.deepEqual(
    prodJobs.filter(({ job }) => !/^prod(-[a-z]+)?$/.test(environmentName(job) ?? '')).map(where),
    [],
  );
});

test('a pull-request job without an environment touches no stack but dev', (t) => {
  const prJobs = stackJobs.filter(({ file }) => 'pull_request' in triggers(file.workflow));
  t.true(prJobs.length > 0);
  t.deepEqual(
    prJobs.filter(({ job }) => environmentName(job) === undefined && stackOf(job) !== 'dev').map(where),
    [],
  );
});

test('jobs on the prod stack run on the CodeBuild-hosted runner in the VPC, one per job', (t) => {
  t.deepEqual(prodJobs.filter(({ job }) => !CODEBUILD_LABEL.test(String(job['runs-on']))).map(where), []);
  // One project, the one the prod stack creates (infra's CiRunner): both jobs name it.
  const projects = new Set(prodJobs.map(({ job }) => CODEBUILD_LABEL.exec(String(job['runs-on']))?.[1]));
  t.is(projects.size, 1, [...projects].join(', '));
});

test('every other job runs on a GitHub-hosted Ubuntu runner of a fixed version', (t) => {
  const prod = new Set(prodJobs.map(where));
  const others = allJobs(repo.workflows).filter((ref) => ref.job.uses === undefined && !prod.has(where(ref)));
  const labels = others.map((ref) => [where(ref), ref.job['runs-on']] as const);
  t.deepEqual(
    labels
      .filter(([, label]) => label !== 'ubuntu-24.04')
      .map(([name, label]) => `${name}: ${String(label)}`),
    [],
  );
});
