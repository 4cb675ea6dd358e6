import test from 'ava';
import { expression } from '../src/expressions.js';
import { actionlint, actionSchemaErrors, workflowSchemaErrors } from '../src/linters.js';
import { loadRepository } from '../src/repository.js';

// Every workflow passes actionlint 1.7.7 and GitHub's own workflow schema, every local action
// GitHub's action schema, with nothing filtered: any finding fails. Each linter is first shown a
// broken file, so a linter that silently checks nothing cannot pass the suite.

const repo = loadRepository();

const BROKEN_WORKFLOW = [
  'on: push',
  'jobs:',
  '  broken:',
  '    runs-on: ubuntu-nonexistent',
  '    timeout-minutes: soon',
  '    steps:',
  `      - run: echo "${expression('github.nope(')}"`,
].join('\n');

test('actionlint is live: it flags an unknown runner label and a broken expression', async (t) => {
  const findings = await actionlint(BROKEN_WORKFLOW, '.github/workflows/broken.yml');
  t.true(
    findings.some((f) => f.includes('[runner-label]')),
    findings.join('\n'),
  );
  t.true(
    findings.some((f) => f.includes('[expression]')),
    findings.join('\n'),
  );
});

test('actionlint knows what the old WebAssembly build did not: vars and ubuntu-24.04', async (t) => {
  const workflow = [
    'on: push',
    'jobs:',
    '  current:',
    '    runs-on: ubuntu-24.04',
    '    steps:',
    `      - run: echo "${expression('vars.REGION')}"`,
  ].join('\n');
  t.deepEqual(await actionlint(workflow, '.github/workflows/current.yml'), []);
});

test("GitHub's workflow schema is live: it rejects a bad timeout and a broken expression", async (t) => {
  const errors = await workflowSchemaErrors(BROKEN_WORKFLOW, 'broken.yml');
  t.true(
    errors.some((e) => e.includes("'soon'")),
    errors.join('\n'),
  );
  t.true(
    errors.some((e) => e.includes("'('")),
    errors.join('\n'),
  );
});

test("GitHub's action schema is live: it rejects an unknown key and a composite run step without shell", (t) => {
  const errors = actionSchemaErrors(
    [
      'name: x',
      'description: y',
      'colour: red',
      'runs:',
      '  using: composite',
      '  steps:',
      '    - run: echo hi',
    ].join('\n'),
    'action.yml',
  );
  t.true(errors.length >= 2, errors.join('\n'));
});

test('there are workflows and local actions to lint', (t) => {
  t.true(repo.writtenWorkflows.length >= 4);
  t.true(repo.localActions.length >= 1);
});

for (const file of repo.writtenWorkflows) {
  test(`actionlint reports nothing for ${file.name}`, async (t) => {
    t.deepEqual(await actionlint(file.text, `.github/workflows/${file.name}`), []);
  });

  test(`GitHub's workflow schema accepts ${file.name}`, async (t) => {
    t.deepEqual(await workflowSchemaErrors(file.text, file.name), []);
  });
}

for (const action of repo.localActions) {
  test(`GitHub's action schema accepts ${action.file}`, (t) => {
    t.deepEqual(actionSchemaErrors(action.text, action.file), []);
  });
}
