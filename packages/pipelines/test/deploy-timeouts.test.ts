import test from 'ava';
import { isCloudDeploy, pulumiUpTimeout } from '../src/pulumi-jobs.js';
import { loadRepository } from '../src/repository.js';
import { allJobs, stepUses } from '../src/workflows.js';

// A first prod `pulumi up` (EKS, Multi-AZ RDS, CloudFront) can take more than the one hour an OIDC
// session lasts by default. Expired credentials or a job killed by its timeout leave a locked stack
// with pending operations. So, in every cloud deploy job:
//  - the AWS session outlives the job (role-duration-seconds >= timeout-minutes);
//  - `pulumi up` is stopped with SIGINT (Pulumi's graceful cancel: it finishes the operations in
//    flight, saves the state, releases the lock) before the job's timeout would kill it.

const repo = loadRepository();
const deployJobs = allJobs(repo.workflows).filter(({ job }) => isCloudDeploy(job));
const where = ({ file, id }: { file: { name: string }; id: string }) => `${file.name} › ${id}`;

test('the AWS session of a deploy job lasts longer than the job may run', (t) => {
  const problems = deployJobs.flatMap((ref) => {
    const minutes = Number(ref.job['timeout-minutes']);
    const credentials = (ref.job.steps ?? []).find((step) =>
      stepUses(step, 'aws-actions/configure-aws-credentials'),
    );
    const seconds = Number(credentials?.with?.['role-duration-seconds'] ?? 3600);
    if (!(seconds >= minutes * 60))
      return [`${where(ref)}: session ${seconds} s < job timeout ${minutes} min`];
    // STS refuses more than 12 h (and more than the role's MaxSessionDuration: docs/pipelines.md).
    return seconds <= 43200 ? [] : [`${where(ref)}: role-duration-seconds ${seconds} > 43200`];
  });
  t.deepEqual(problems, []);
});

test('pulumi up gets SIGINT, and its hard stop comes, before the job timeout', (t) => {
  const problems = deployJobs.flatMap((ref) => {
    const minutes = Number(ref.job['timeout-minutes']);
    const ups = (ref.job.steps ?? []).filter((step) => /\bpulumi\s+up\b/.test(step.run ?? ''));
    return ups.flatMap((step) => {
      const limits = pulumiUpTimeout(step.run ?? '');
      if (!limits) return [`${where(ref)}: pulumi up not run under timeout --signal=INT --kill-after=…`];
      const [graceful, hard] = limits;
      return graceful + hard < minutes
        ? []
        : [`${where(ref)}: ${graceful}+${hard} min ≥ job timeout ${minutes}`];
    });
  });
  t.deepEqual(problems, []);
});

test('the timeout parser reads the wrapped form and nothing else', (t) => {
  t.deepEqual(pulumiUpTimeout('timeout --signal=INT --kill-after=10m 120m \\\n  pulumi up --yes'), [120, 10]);
  t.is(pulumiUpTimeout('pulumi up --yes'), undefined);
  t.is(pulumiUpTimeout('timeout 120m pulumi up --yes'), undefined);
});

test('every job has a timeout: an hour at most, three for a cloud deploy', (t) => {
  const problems = allJobs(repo.workflows)
    // A job that calls a reusable workflow takes no timeout; the called jobs have theirs.
    .filter(({ job }) => job.uses === undefined)
    .flatMap((ref) => {
      const minutes = ref.job['timeout-minutes'];
      const cap = isCloudDeploy(ref.job) ? 180 : 60;
      return typeof minutes === 'number' && minutes <= cap
        ? []
        : [`${where(ref)}: timeout-minutes ${String(minutes)} (cap ${cap})`];
    });
  t.deepEqual(problems, []);
});
