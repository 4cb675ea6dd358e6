import test from 'ava';
import { loadRepository } from '../src/repository.js';
import { allJobs, allSteps, describeStep, jobPermissions, stepUses } from '../src/workflows.js';

// AWS access is OIDC only: a role assumed with a short-lived token, never stored keys.

const repo = loadRepository();
const AWS_ACTION = 'aws-actions/configure-aws-credentials';
const usesAws = (steps: { uses?: string }[] = []) => steps.some((step) => stepUses(step, AWS_ACTION));

test('jobs that assume an AWS role have id-token: write', (t) => {
  const awsJobs = allJobs(repo.workflows).filter(({ job }) => usesAws(job.steps));
  t.true(awsJobs.length >= 4, 'expected the preview, build, deploy-dev and deploy-prod jobs');
  t.deepEqual(
    awsJobs
      .filter(({ job }) => jobPermissions(job)?.['id-token'] !== 'write')
      .map(({ file, id }) => `${file.name} › ${id}`),
    [],
  );
});

test('id-token: write appears only where an AWS role is assumed', (t) => {
  const extra = allJobs(repo.workflows)
    .filter(({ job }) => jobPermissions(job)?.['id-token'] === 'write' && !usesAws(job.steps))
    .map(({ file, id }) => `${file.name} › ${id}`);
  t.deepEqual(extra, []);
});

test('configure-aws-credentials always assumes a role and never receives access keys', (t) => {
  const problems = allSteps(repo.workflows)
    .filter(({ step }) => stepUses(step, AWS_ACTION))
    .flatMap((ref) => {
      const inputs = ref.step.with ?? {};
      const found: string[] = [];
      if (typeof inputs['role-to-assume'] !== 'string') found.push('no role-to-assume');
      for (const key of ['aws-access-key-id', 'aws-secret-access-key', 'aws-session-token']) {
        if (key in inputs) found.push(`input ${key}`);
      }
      return found.map((problem) => `${describeStep(ref)}: ${problem}`);
    });
  t.deepEqual(problems, []);
});

test('no workflow sets AWS key variables in env', (t) => {
  const keyVars = /^AWS_(ACCESS_KEY_ID|SECRET_ACCESS_KEY|SESSION_TOKEN)$/;
  const envs: [string, Record<string, unknown> | undefined][] = repo.workflows.flatMap((file) => [
    [file.name, file.workflow.env] as [string, Record<string, unknown> | undefined],
    ...Object.entries(file.workflow.jobs).flatMap(([id, job]) => [
      [`${file.name} › ${id}`, job.env] as [string, Record<string, unknown> | undefined],
      ...(job.steps ?? []).map(
        (step, i) =>
          [`${file.name} › ${id} › step ${i + 1}`, step.env] as [string, Record<string, unknown> | undefined],
      ),
    ]),
  ]);
  const offenders = envs.flatMap(([where, env]) =>
    Object.keys(env ?? {})
      .filter((name) => keyVars.test(name))
      .map((name) => `${where}: ${name}`),
  );
  t.deepEqual(offenders, []);
});
