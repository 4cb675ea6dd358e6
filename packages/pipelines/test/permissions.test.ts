import test from 'ava';
import { loadRepository } from '../src/repository.js';
import { allJobs, isRecord, jobPermissions, stepUses } from '../src/workflows.js';

// Decision: every workflow says `permissions: {}` at the top (nothing by default, including for
// jobs added later) and every job lists what it needs. A write scope must be explained by a step
// that uses it.

const repo = loadRepository();
const jobs = allJobs(repo.workflows);

for (const file of repo.workflows) {
  test(`${file.name} grants nothing at the top level (permissions: {})`, (t) => {
    t.true(isRecord(file.workflow.permissions), 'top-level `permissions` missing or not a mapping');
    t.deepEqual(file.workflow.permissions, {});
  });
}

test('every job declares its own permissions as a mapping (never read-all/write-all)', (t) => {
  const missing = jobs
    .filter(({ job }) => jobPermissions(job) === undefined)
    .map(({ file, id }) => `${file.name} › ${id}`);
  t.deepEqual(missing, []);
});

test('no job may write to the repository contents, packages or actions', (t) => {
  const offenders = jobs.flatMap(({ file, id, job }) =>
    Object.entries(jobPermissions(job) ?? {})
      .filter(([scope, level]) => level === 'write' && ['contents', 'packages', 'actions'].includes(scope))
      .map(([scope]) => `${file.name} › ${id}: ${scope}: write`),
  );
  t.deepEqual(offenders, []);
});

test('pull-requests: write only in jobs that comment on the PR', (t) => {
  const offenders = jobs
    .filter(({ job }) => jobPermissions(job)?.['pull-requests'] === 'write')
    .filter(({ job }) => !(job.steps ?? []).some((step) => String(step.with?.['comment-on-pr']) === 'true'))
    .map(({ file, id }) => `${file.name} › ${id}`);
  t.deepEqual(offenders, []);
});

test('every write scope in use is one this repository explains (id-token, pull-requests)', (t) => {
  const allowed = new Set(['id-token', 'pull-requests']);
  const offenders = jobs.flatMap(({ file, id, job }) =>
    Object.entries(jobPermissions(job) ?? {})
      .filter(([scope, level]) => level === 'write' && !allowed.has(scope))
      .map(([scope]) => `${file.name} › ${id}: ${scope}: write`),
  );
  t.deepEqual(offenders, []);
  // Guard against the check going vacuous: the deploy jobs do need OIDC.
  t.true(
    jobs.some(({ job }) =>
      (job.steps ?? []).some((s) => stepUses(s, 'aws-actions/configure-aws-credentials')),
    ),
  );
});
