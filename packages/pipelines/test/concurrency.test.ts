import test from 'ava';
import { loadRepository } from '../src/repository.js';
import { isRecord, type WorkflowFile } from '../src/workflows.js';

// Every workflow names a concurrency group. Checks and previews cancel superseded runs;
// deployments never cancel (a killed `pulumi up` leaves the stack locked mid-update) and queue
// per stack instead.

const repo = loadRepository();
const byName = (name: string): WorkflowFile => {
  const file = repo.workflows.find((w) => w.name === name);
  if (!file) throw new Error(`${name} missing`);
  return file;
};

function group(value: unknown): { group?: unknown; cancel?: unknown } {
  if (typeof value === 'string') return { group: value };
  if (isRecord(value)) return { group: value.group, cancel: value['cancel-in-progress'] };
  return {};
}

for (const file of repo.workflows) {
  test(`${file.name} has a top-level concurrency group`, (t) => {
    const { group: name } = group(file.workflow.concurrency);
    t.true(typeof name === 'string' && name.length > 0, 'no concurrency.group');
  });
}

test('ci, e2e and preview cancel superseded runs of the same PR or branch', (t) => {
  for (const name of ['ci.yml', 'e2e.yml', 'preview.yml']) {
    const { group: key, cancel } = group(byName(name).workflow.concurrency);
    t.is(cancel, true, `${name}: cancel-in-progress`);
    t.regex(String(key), /github\.event\.pull_request\.number/, `${name}: group is per PR`);
  }
});

test('deploy never cancels, and each deploy job queues on its own stack group', (t) => {
  const deploy = byName('deploy.yml').workflow;
  t.is(group(deploy.concurrency).cancel, false);
  for (const [id, stack] of [
    ['deploy-dev', 'dev'],
    ['deploy-prod', 'prod'],
  ] as const) {
    const job = deploy.jobs[id];
    if (!job) return t.fail(`deploy.yml has no job ${id}`);
    const { group: key, cancel } = group(job.concurrency);
    t.is(key, `deploy-stack-${stack}`, `${id}: group`);
    t.is(cancel, false, `${id}: cancel-in-progress`);
  }
});
