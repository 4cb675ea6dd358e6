import { describeActionStep } from './local-actions.js';
import type { Repository } from './repository.js';
import { allSteps, describeStep, type Step } from './workflows.js';

export interface WrittenStep {
  /** Where the step is written, for failure messages. */
  where: string;
  step: Step;
}

/** Every step as written, once: in the workflows' jobs and in the local actions. */
export function writtenSteps(repo: Pick<Repository, 'writtenWorkflows' | 'localActions'>): WrittenStep[] {
  return [
    ...allSteps(repo.writtenWorkflows).map((ref) => ({ where: describeStep(ref), step: ref.step })),
    ...repo.localActions.flatMap((action) =>
      (action.metadata.runs?.steps ?? []).map((step, index) => ({
        where: describeActionStep(action, index),
        step,
      })),
    ),
  ];
}
