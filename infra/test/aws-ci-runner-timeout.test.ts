// The CodeBuild-hosted runner must not stop a job before GitHub would: a build timeout shorter than
// the job's kills the runner in the middle of `pulumi up` (a locked stack, pending operations). The
// jobs are read from the workflows as written, selected by the label the prod stack exports.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { parse } from 'yaml';
import { REPO_ROOT } from '../paths.js';
import { single } from './support/run-stack.js';
import { stackRun } from './support/stack-runs.js';

const run = await stackRun('prod');
const WORKFLOWS = join(REPO_ROOT, '.github/workflows');

interface Job {
  'runs-on'?: unknown;
  'timeout-minutes'?: unknown;
}

/** Every workflow job whose runner is this stack's CodeBuild project, with its timeout. */
function jobsOnTheRunner(label: string): { job: string; timeoutMinutes: number }[] {
  return readdirSync(WORKFLOWS)
    .filter((file) => /\.ya?ml$/.test(file))
    .flatMap((file) => {
      const workflow = parse(readFileSync(join(WORKFLOWS, file), 'utf8')) as { jobs?: Record<string, Job> };
      return Object.entries(workflow.jobs ?? {})
        .filter(([, job]) => job['runs-on'] === label)
        .map(([name, job]) => ({
          job: `${file} › ${name}`,
          // GitHub's default when a job sets none.
          timeoutMinutes: Number(job['timeout-minutes'] ?? 360),
        }));
    });
}

test('prod: the CodeBuild build outlasts every workflow job that runs on it', (t) => {
  const jobs = jobsOnTheRunner(String(run.outputs.ciRunnerLabel));
  t.true(
    jobs.some((job) => job.job.startsWith('deploy.yml')),
    `the prod deploy runs on the runner (found ${JSON.stringify(jobs)})`,
  );
  const { buildTimeout } = single(run, 'aws:codebuild/project:Project').inputs;
  for (const job of jobs) {
    t.true(
      buildTimeout > job.timeoutMinutes,
      `${job.job}: job ${job.timeoutMinutes} min, build ${buildTimeout} min`,
    );
  }
  t.is(buildTimeout, 180);
});
