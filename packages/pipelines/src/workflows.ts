import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

// A typed view of the parts of a workflow these checks read. Values GitHub allows in several
// shapes (permissions, environment, concurrency) stay `unknown` and are narrowed where used.
export interface Step {
  id?: string;
  name?: string;
  uses?: string;
  run?: string;
  if?: string;
  with?: Record<string, unknown>;
  env?: Record<string, unknown>;
  /** Required on `run:` steps of composite actions. */
  shell?: string;
  /** Set by the loader on the workflows as run (not a workflow key): where the step was written. */
  origin?: StepOrigin;
}

/**
 * Where a step of the workflows as run was written: its place among the job's steps and, for a
 * step that comes from a local composite action, its place inside each action it came through.
 */
export interface StepOrigin {
  jobIndex: number;
  via: { action: string; index: number }[];
}

export interface Job {
  name?: string;
  'runs-on'?: unknown;
  needs?: string | string[];
  if?: string;
  permissions?: unknown;
  environment?: unknown;
  concurrency?: unknown;
  'timeout-minutes'?: unknown;
  env?: Record<string, unknown>;
  strategy?: { matrix?: Record<string, unknown> };
  steps?: Step[];
  /** A job that calls a reusable workflow. */
  uses?: string;
  with?: Record<string, unknown>;
}

export interface Workflow {
  name?: string;
  on?: unknown;
  permissions?: unknown;
  concurrency?: unknown;
  env?: Record<string, unknown>;
  jobs: Record<string, Job>;
}

export interface WorkflowFile {
  /** File name inside .github/workflows, e.g. `ci.yml`. */
  name: string;
  path: string;
  text: string;
  workflow: Workflow;
}

function workflowsDir(repoRoot: string): string {
  return join(repoRoot, '.github', 'workflows');
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Parses one workflow; throws with the file name when it is not a mapping with `jobs`. */
function parseWorkflow(name: string, text: string): Workflow {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new Error(`${name}: invalid YAML: ${(error as Error).message}`);
  }
  if (!isRecord(doc) || !isRecord(doc.jobs)) {
    throw new Error(`${name}: not a workflow (no \`jobs\` mapping)`);
  }
  return doc as unknown as Workflow;
}

/** Every .yml/.yaml file in .github/workflows, parsed, in name order. */
export function loadWorkflows(repoRoot: string): WorkflowFile[] {
  const dir = workflowsDir(repoRoot);
  return readdirSync(dir)
    .filter((file) => /\.ya?ml$/.test(file))
    .sort()
    .map((name) => {
      const path = join(dir, name);
      const text = readFileSync(path, 'utf8');
      return { name, path, text, workflow: parseWorkflow(name, text) };
    });
}

export interface JobRef {
  file: WorkflowFile;
  id: string;
  job: Job;
}

export function allJobs(files: WorkflowFile[]): JobRef[] {
  return files.flatMap((file) => Object.entries(file.workflow.jobs).map(([id, job]) => ({ file, id, job })));
}

export interface StepRef extends JobRef {
  index: number;
  step: Step;
}

/** Every step of every job; `index` is the step's place in the job as written. */
export function allSteps(files: WorkflowFile[]): StepRef[] {
  return allJobs(files).flatMap((ref) =>
    (ref.job.steps ?? []).map((step, position) => ({
      ...ref,
      index: step.origin?.jobIndex ?? position,
      step,
    })),
  );
}

/**
 * "ci.yml › test › step 3 (pnpm test)" — where a finding is, for failure messages. A step that
 * comes from a local action also names its place there: "ci.yml › lint › step 2 ›
 * ./.github/actions/x step 3 (pnpm install --frozen-lockfile)".
 */
export function describeStep(ref: StepRef): string {
  const label = ref.step.name ?? ref.step.uses ?? ref.step.run?.split('\n')[0] ?? '';
  const via = (ref.step.origin?.via ?? [])
    .map(({ action, index }) => ` › ${action} step ${index + 1}`)
    .join('');
  return `${ref.file.name} › ${ref.id} › step ${ref.index + 1}${via} (${label.slice(0, 60)})`;
}

/** `owner/repo[/path]` of a step's `uses:`, without the `@ref`. */
function actionName(uses: string): string {
  const at = uses.indexOf('@');
  return at === -1 ? uses : uses.slice(0, at);
}

export function stepUses(step: Step, action: string): boolean {
  return step.uses !== undefined && actionName(step.uses) === action;
}

/** Permissions a job grants itself, as scope → level (`read`/`write`/`none`). */
export function jobPermissions(job: Job): Record<string, string> | undefined {
  if (!isRecord(job.permissions)) return undefined;
  return Object.fromEntries(Object.entries(job.permissions).map(([scope, level]) => [scope, String(level)]));
}

/** The environment name a job is bound to, if any (`environment: x` or `environment: {name: x}`). */
export function environmentName(job: Job): string | undefined {
  if (typeof job.environment === 'string') return job.environment;
  if (isRecord(job.environment) && typeof job.environment.name === 'string') return job.environment.name;
  return undefined;
}

export { isRecord };
