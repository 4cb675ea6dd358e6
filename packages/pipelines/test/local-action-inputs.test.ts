import test from 'ava';
import { inputProblems } from '../src/local-action-inputs.js';
import { findLocalAction } from '../src/local-actions.js';
import { loadRepository } from '../src/repository.js';
import { writtenSteps } from '../src/written-steps.js';

// What a step passes in `with:` must match what the local action declares (GitHub only warns).

const repo = loadRepository();

test('an undeclared input and a missing required input are both reported', (t) => {
  const problems = inputProblems([
    {
      where: 'w.yml › job › step 2',
      passed: { 'node-version': '24', colour: 'red' },
      declared: { 'node-version': { description: 'x' }, token: { description: 't', required: true } },
    },
    {
      where: 'w.yml › job › step 3',
      passed: {},
      declared: { flags: { description: 'f', required: true, default: '' } },
    },
  ]);
  t.deepEqual(problems, [
    'w.yml › job › step 2: input colour is not declared (declared: node-version, token)',
    'w.yml › job › step 2: required input token not passed',
  ]);
});

test('every step that uses a local action passes exactly what the action declares', (t) => {
  const calls = writtenSteps(repo).flatMap(({ where, step }) => {
    const action = findLocalAction(repo.localActions, step.uses);
    return action ? [{ where, passed: step.with ?? {}, declared: action.metadata.inputs ?? {} }] : [];
  });
  t.true(calls.length > 0, 'no step uses a local action');
  t.deepEqual(inputProblems(calls), []);
});
