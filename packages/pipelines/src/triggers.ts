import { isRecord, type Job, type Workflow, type WorkflowFile } from './workflows.js';

// Which events start a workflow, and which workflows a run calls: enough to answer "what runs for
// a commit on main" and "what runs for a pull request".

/** The workflow's `on:` as event → its configuration (`{}` when the event has none). */
export function triggers(workflow: Workflow): Record<string, Record<string, unknown>> {
  const on = workflow.on;
  if (typeof on === 'string') return { [on]: {} };
  if (Array.isArray(on)) return Object.fromEntries(on.map((event) => [String(event), {}]));
  if (!isRecord(on)) return {};
  return Object.fromEntries(
    Object.entries(on).map(([event, config]) => [event, isRecord(config) ? config : {}]),
  );
}

/** Whether a push to `branch` starts the workflow (no `branches` filter = every branch). */
export function runsOnPushTo(workflow: Workflow, branch: string): boolean {
  const push = triggers(workflow).push;
  if (!push) return false;
  const branches = push.branches;
  return !Array.isArray(branches) || branches.map(String).includes(branch);
}

/** The file name a job's `uses: ./.github/workflows/<name>` calls, if it calls a local workflow. */
export function calledWorkflow(job: Job): string | undefined {
  return /^\.\/\.github\/workflows\/([^/@]+)$/.exec(job.uses ?? '')?.[1];
}

/** The workflows that run for a commit pushed to main: started by the push, or called by one that is. */
export function workflowsForMain(files: WorkflowFile[]): WorkflowFile[] {
  const started = files.filter((file) => runsOnPushTo(file.workflow, 'main'));
  const called = started.flatMap((file) =>
    Object.values(file.workflow.jobs).flatMap((job) => {
      const name = calledWorkflow(job);
      return files.filter((candidate) => candidate.name === name);
    }),
  );
  return [...new Set([...started, ...called])];
}

/** Job ids `id` depends on, directly or through other jobs' `needs`. */
export function transitiveNeeds(workflow: Workflow, id: string, seen = new Set<string>()): Set<string> {
  const job = workflow.jobs[id];
  for (const need of job?.needs === undefined ? [] : [job.needs].flat()) {
    if (seen.has(need)) continue;
    seen.add(need);
    transitiveNeeds(workflow, need, seen);
  }
  return seen;
}
