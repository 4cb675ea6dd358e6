import test from 'ava';
import { type ExpressionContext, resolve } from '../src/expressions.js';
import { loadRepository } from '../src/repository.js';
import { triggers, workflowsForMain } from '../src/triggers.js';
import { isRecord, type WorkflowFile } from '../src/workflows.js';

// Concurrency groups and cancel-in-progress evaluated with GitHub's expression evaluator, for the
// events that really start each workflow. A newer push to a pull request cancels its superseded
// checks; a run for a commit on main is never cancelled, neither while it runs nor while it waits
// (GitHub replaces a pending run of the same group even with cancel-in-progress: false), so every
// commit on main gets its result.

const repo = loadRepository();

function github(event: 'push' | 'pull_request', sha: string, pr?: number): ExpressionContext {
  return {
    github: {
      event_name: event,
      sha,
      ref: pr === undefined ? 'refs/heads/main' : `refs/pull/${pr}/merge`,
      repository: 'owner/repo',
      event: pr === undefined ? {} : { pull_request: { number: pr } },
    },
  };
}

function concurrency(file: WorkflowFile, context: ExpressionContext): { group: string; cancel: boolean } {
  const value = file.workflow.concurrency;
  const config = isRecord(value) ? value : { group: value };
  return {
    group: String(resolve(config.group, context)),
    cancel: resolve(config['cancel-in-progress'] ?? false, context) === true,
  };
}

for (const file of repo.workflows) {
  test(`${file.name} has a top-level concurrency group`, (t) => {
    const value = file.workflow.concurrency;
    const group = isRecord(value) ? value.group : value;
    t.true(typeof group === 'string' && group.length > 0, 'no concurrency.group');
  });
}

test('the workflows that run for a commit on main: deploy, and the ci and e2e it calls', (t) => {
  t.deepEqual(
    workflowsForMain(repo.workflows)
      .map((file) => file.name)
      .sort(),
    ['ci.yml', 'deploy.yml', 'e2e.yml'],
  );
});

test('a run for a commit on main is never cancelled: own group per commit, cancel-in-progress off', (t) => {
  for (const file of workflowsForMain(repo.workflows)) {
    const first = concurrency(file, github('push', 'a'.repeat(40)));
    const next = concurrency(file, github('push', 'b'.repeat(40)));
    t.false(first.cancel, `${file.name}: cancel-in-progress on main`);
    t.not(first.group, next.group, `${file.name}: two commits on main share group ${first.group}`);
  }
});

test('a newer push to a pull request cancels its superseded run; other pull requests are untouched', (t) => {
  const prWorkflows = repo.workflows.filter((file) => 'pull_request' in triggers(file.workflow));
  t.deepEqual(prWorkflows.map((file) => file.name).sort(), ['ci.yml', 'e2e.yml', 'preview.yml']);
  for (const file of prWorkflows) {
    const first = concurrency(file, github('pull_request', 'a'.repeat(40), 7));
    const next = concurrency(file, github('pull_request', 'b'.repeat(40), 7));
    const other = concurrency(file, github('pull_request', 'c'.repeat(40), 8));
    t.is(first.group, next.group, `${file.name}: pushes to one PR land in different groups`);
    t.true(next.cancel, `${file.name}: superseded PR runs are not cancelled`);
    t.not(first.group, other.group, `${file.name}: two PRs share a group`);
  }
});

// Group names are global to the repository: a called workflow's group equal to its caller's would
// make the callee wait for the caller, which waits for the callee.
test('no two workflows of one run share a concurrency group', (t) => {
  const context = github('push', 'a'.repeat(40));
  const groups = workflowsForMain(repo.workflows).map((file) => concurrency(file, context).group);
  t.is(new Set(groups).size, groups.length, groups.join(', '));
});

test('each cloud stack is deployed by one job at a time, which is never cancelled', (t) => {
  const deploy = repo.workflows.find((file) => file.name === 'deploy.yml');
  for (const [id, stack] of [
    ['deploy-dev', 'dev'],
    ['deploy-prod', 'prod'],
  ] as const) {
    const job = deploy?.workflow.jobs[id];
    if (!job || !isRecord(job.concurrency)) return t.fail(`deploy.yml › ${id}: no concurrency mapping`);
    const context = github('push', 'a'.repeat(40));
    const later = github('push', 'b'.repeat(40));
    t.is(
      resolve(job.concurrency.group, context),
      resolve(job.concurrency.group, later),
      `${id}: group per commit`,
    );
    t.regex(String(resolve(job.concurrency.group, context)), new RegExp(`\\b${stack}\\b`));
    t.is(job.concurrency['cancel-in-progress'], false, `${id}: cancel-in-progress`);
  }
});
