import { findLocalAction, isComposite, type LocalAction } from './local-actions.js';
import { isRecord, type Job, type Step, type StepOrigin, type WorkflowFile } from './workflows.js';

// A workflow file and what the runner executes differ in one way these checks care about: a step
// that uses a local composite action runs that action's steps. The rules read this view, so a
// rule about pnpm setup, pins, secrets or scripts holds whether a step is written in the workflow
// or in an action it uses.
//
// `${{ inputs.<name> }}` in the action's steps becomes what the caller passed in `with:` (else
// the input's default, else '' — as GitHub does), and the calling step's `env:` is passed down.
// The calling step's `if:` is joined to each inner step's with `&&`: an inner step runs only when
// both hold (status functions aside, which no rule here evaluates). A reference the loader cannot expand
// (no such action, not composite, or an action that uses itself) stays as written; the
// local-action checks report it.

const EXPRESSION = /\$\{\{\s*(.*?)\s*\}\}/g;
const PLAIN_INPUT = /^inputs\.([A-Za-z_][A-Za-z0-9_-]*)$/;

/** Each declared input's value for one use of the action. */
export function inputValues(
  action: LocalAction,
  passed: Record<string, unknown> = {},
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(action.metadata.inputs ?? {}).map(([name, input]) => {
      const value = passed[name] ?? input?.default;
      return [name, value === undefined || value === null ? '' : String(value)];
    }),
  );
}

/** `text` with every plain `${{ inputs.<name> }}` replaced by its value; other expressions kept. */
function fillInputs(text: string, values: Record<string, string>): string {
  return text.replace(EXPRESSION, (whole, inner: string) => {
    const name = PLAIN_INPUT.exec(inner)?.[1];
    return name === undefined ? whole : (values[name] ?? '');
  });
}

function fillStep(step: Step, values: Record<string, string>): Step {
  const fill = (value: unknown): unknown => (typeof value === 'string' ? fillInputs(value, values) : value);
  return Object.fromEntries(
    Object.entries(step).map(([key, value]) => [
      key,
      isRecord(value) ? Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fill(v)])) : fill(value),
    ]),
  ) as Step;
}

const BRACES = /^\s*\$\{\{\s*([\s\S]*?)\s*\}\}\s*$/;

/** Both conditions, as one `if:` (either may be absent, or written with or without braces). */
function bothConditions(outer: string | undefined, inner: string | undefined): string | undefined {
  if (outer === undefined) return inner;
  if (inner === undefined) return outer;
  const bare = (condition: string) => BRACES.exec(condition)?.[1] ?? condition;
  return `(${bare(outer)}) && (${bare(inner)})`;
}

function expandStep(step: Step, origin: StepOrigin, actions: LocalAction[], chain: string[]): Step[] {
  const action = findLocalAction(actions, step.uses);
  if (!action || !isComposite(action) || chain.includes(action.reference)) return [{ ...step, origin }];
  const values = inputValues(action, step.with);
  return (action.metadata.runs?.steps ?? []).flatMap((inner, index) => {
    const filled = fillStep(inner, values);
    const env = step.env || filled.env ? { ...step.env, ...filled.env } : undefined;
    const condition = bothConditions(step.if, filled.if);
    const joined: Step = {
      ...filled,
      ...(env ? { env } : {}),
      ...(condition === undefined ? {} : { if: condition }),
    };
    return expandStep(
      joined,
      { jobIndex: origin.jobIndex, via: [...origin.via, { action: action.reference, index }] },
      actions,
      [...chain, action.reference],
    );
  });
}

function jobAsRun(job: Job, actions: LocalAction[]): Job {
  if (!job.steps) return job;
  return {
    ...job,
    steps: job.steps.flatMap((step, jobIndex) => expandStep(step, { jobIndex, via: [] }, actions, [])),
  };
}

/** The workflows as the runner executes them. `text` stays the file as written. */
export function workflowsAsRun(files: WorkflowFile[], actions: LocalAction[]): WorkflowFile[] {
  return files.map((file) => ({
    ...file,
    workflow: {
      ...file.workflow,
      jobs: Object.fromEntries(
        Object.entries(file.workflow.jobs).map(([id, job]) => [id, jobAsRun(job, actions)]),
      ),
    },
  }));
}
