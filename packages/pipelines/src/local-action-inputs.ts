import type { ActionInput } from './local-actions.js';

/** One step that uses a local action: where it is, what it passes, what the action declares. */
export interface LocalActionCall {
  where: string;
  passed: Record<string, unknown>;
  declared: Record<string, ActionInput | undefined>;
}

/**
 * What a step passes in `with:` must match what the local action declares. GitHub only warns
 * about an unknown input, and runs with an empty value when a required one is missing; the action
 * then fails later, or worse, does something else.
 */
export function inputProblems(calls: LocalActionCall[]): string[] {
  return calls.flatMap(({ where, passed, declared }) => [
    ...Object.keys(passed)
      .filter((name) => !(name in declared))
      .map(
        (name) =>
          `${where}: input ${name} is not declared (declared: ${Object.keys(declared).join(', ') || 'none'})`,
      ),
    ...Object.entries(declared)
      .filter(([name, input]) => input?.required === true && input.default === undefined && !(name in passed))
      .map(([name]) => `${where}: required input ${name} not passed`),
  ]);
}
