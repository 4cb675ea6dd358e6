import test from 'ava';
import { findLocalAction } from '../src/local-actions.js';
import { loadRepository } from '../src/repository.js';
import { writtenSteps } from '../src/written-steps.js';

// What a step passes in `with:` must match what the local action declares. GitHub only warns
// about an unknown input and runs with an empty value when a required one is missing; the
// action then fails later, or worse, does something else.

const repo = loadRepository();
const calls = writtenSteps(repo).flatMap(({ where, step }) => {
  const action = findLocalAction(repo.localActions, step.uses);
  return action ? [{ where, passed: step.with ?? {}, declared: action.metadata.inputs ?? {} }] : [];
});

test('steps pass inputs to local actions (the checks below are not empty)', (t) => {
  t.true(calls.some(({ passed }) => Object.keys(passed).length > 0));
});

test('every input a step passes to a local action is one the action declares', (t) => {
  const unknown = calls.flatMap(({ where, passed, declared }) =>
    Object.keys(passed)
      .filter((name) => !(name in declared))
      .map(
        (name) => `${where}: input ${name} is not declared (declared: ${Object.keys(declared).join(', ')})`,
      ),
  );
  t.deepEqual(unknown, []);
});

test('every required input without a default is passed', (t) => {
  const missing = calls.flatMap(({ where, passed, declared }) =>
    Object.entries(declared)
      .filter(([name, input]) => input?.required === true && input.default === undefined && !(name in passed))
      .map(([name]) => `${where}: required input ${name} not passed`),
  );
  t.deepEqual(missing, []);
});
