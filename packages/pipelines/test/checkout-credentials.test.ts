import test from 'ava';
import { loadRepository } from '../src/repository.js';
import { allSteps, describeStep, stepUses } from '../src/workflows.js';

// No workflow pushes to git, so the checkout token must not stay in .git/config where any later
// step (or a compromised dependency's install script) could read it.

const repo = loadRepository();

test('every checkout sets persist-credentials: false', (t) => {
  const checkouts = allSteps(repo.workflows).filter(({ step }) => stepUses(step, 'actions/checkout'));
  t.true(checkouts.length > 0);
  t.deepEqual(
    checkouts.filter(({ step }) => step.with?.['persist-credentials'] !== false).map(describeStep),
    [],
  );
});
