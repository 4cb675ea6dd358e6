import test from 'ava';
import { parse } from 'yaml';
import { expression } from '../src/expressions.js';
import { type ActionMetadata, type LocalAction, localReference } from '../src/local-actions.js';
import { loadRepository } from '../src/repository.js';
import { allSteps, describeStep, type Workflow, type WorkflowFile } from '../src/workflows.js';
import { workflowsAsRun } from '../src/workflows-as-run.js';

// The rules read the workflows as the runner executes them: a step that uses a local composite
// action becomes that action's steps. These cases pin down how that view is built, on small
// workflows and actions written here.

function workflowFile(text: string): WorkflowFile {
  return { name: 'w.yml', path: '/repo/.github/workflows/w.yml', text, workflow: parse(text) as Workflow };
}

function localAction(name: string, text: string): LocalAction {
  return {
    reference: `./.github/actions/${name}`,
    file: `.github/actions/${name}/action.yml`,
    path: `/repo/.github/actions/${name}/action.yml`,
    text,
    metadata: parse(text) as ActionMetadata,
  };
}

const setup = localAction(
  'setup',
  `
name: setup
description: tools
inputs:
  node-version: { description: Node, required: true }
  flags: { description: extra install flags, default: --frozen-lockfile }
runs:
  using: composite
  steps:
    - uses: actions/setup-node@v6
      with:
        node-version: \${{ inputs.node-version }}
    - run: pnpm install \${{ inputs.flags }}
      shell: bash
      env:
        FROM_ACTION: "1"
    - run: echo "\${{ github.sha }} \${{ inputs.flags || 'none' }}"
      shell: bash
`,
);

const job = (steps: string) => `
on: push
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v6
${steps}
      - run: pnpm test
`;

function runView(steps: string, actions: LocalAction[] = [setup]) {
  return allSteps(workflowsAsRun([workflowFile(job(steps))], actions));
}

test("a local composite action's steps run in place of the step that uses it", (t) => {
  const steps = runView(`      - uses: ./.github/actions/setup
        with:
          node-version: \${{ env.NODE_VERSION }}`);
  t.deepEqual(
    steps.map(({ step }) => step.uses ?? step.run),
    [
      'actions/checkout@v6',
      'actions/setup-node@v6',
      'pnpm install --frozen-lockfile',
      `echo "${expression('github.sha')} ${expression("inputs.flags || 'none'")}"`,
      'pnpm test',
    ],
  );
  t.is(steps[1]?.step.with?.['node-version'], expression('env.NODE_VERSION'), 'input from with:');
  t.deepEqual(
    steps.map((ref) => ref.index),
    [0, 1, 1, 1, 2],
    'indices are the places in the job as written',
  );
});

test('inputs come from with: first, then the default, else empty; the caller env reaches the steps', (t) => {
  const steps = runView(`      - uses: ./.github/actions/setup/
        env:
          FROM_CALLER: "1"
        with:
          flags: --prefer-offline`);
  t.is(steps[1]?.step.with?.['node-version'], '', 'required but not passed: empty, as on GitHub');
  t.is(steps[2]?.step.run, 'pnpm install --prefer-offline');
  t.deepEqual(steps[2]?.step.env, { FROM_CALLER: '1', FROM_ACTION: '1' });
  t.deepEqual(steps[1]?.step.env, { FROM_CALLER: '1' });
});

test("the calling step's if: joins each inner step's", (t) => {
  const conditional = localAction(
    'conditional',
    `
name: conditional
description: one step with a condition, one without
runs:
  using: composite
  steps:
    - run: echo always
      shell: bash
    - if: \${{ runner.os == 'Linux' }}
      run: echo linux
      shell: bash
`,
  );
  const steps = runView(
    `      - uses: ./.github/actions/conditional
        if: github.actor != 'bot'`,
    [conditional],
  );
  t.is(steps[1]?.step.if, "github.actor != 'bot'");
  t.is(steps[2]?.step.if, "(github.actor != 'bot') && (runner.os == 'Linux')");
  t.is(
    runView('      - uses: ./.github/actions/conditional', [conditional])[2]?.step.if,
    expression("runner.os == 'Linux'"),
  );
});

test('failure messages name the job step and the step inside the action', (t) => {
  const steps = runView('      - uses: ./.github/actions/setup');
  t.is(
    steps[2] && describeStep(steps[2]),
    'w.yml › build › step 2 › ./.github/actions/setup step 2 (pnpm install --frozen-lockfile)',
  );
  t.is(steps[4] && describeStep(steps[4]), 'w.yml › build › step 3 (pnpm test)');
});

test('actions used by actions are expanded too', (t) => {
  const outer = localAction(
    'outer',
    `
name: outer
description: wraps setup
runs:
  using: composite
  steps:
    - uses: ./.github/actions/setup
      with:
        node-version: "20.20.2"
`,
  );
  const steps = runView('      - uses: ./.github/actions/outer', [outer, setup]);
  t.is(steps[1]?.step.with?.['node-version'], '20.20.2');
  t.is(
    steps[1] && describeStep(steps[1]),
    'w.yml › build › step 2 › ./.github/actions/outer step 1 › ./.github/actions/setup step 1 (actions/setup-node@v6)',
  );
});

test('a reference that cannot be expanded stays as written (missing, not composite, using itself)', (t) => {
  const node = localAction('node', 'name: n\ndescription: d\nruns:\n  using: node20\n  main: index.js\n');
  const loop = localAction(
    'loop',
    'name: l\ndescription: d\nruns:\n  using: composite\n  steps:\n    - uses: ./.github/actions/loop\n',
  );
  for (const name of ['missing', 'node']) {
    const steps = runView(`      - uses: ./.github/actions/${name}`, [node]);
    t.is(steps[1]?.step.uses, `./.github/actions/${name}`);
  }
  const looped = runView('      - uses: ./.github/actions/loop', [loop]);
  t.deepEqual(
    looped.map(({ step }) => step.uses ?? step.run),
    ['actions/checkout@v6', './.github/actions/loop', 'pnpm test'],
  );
});

// The same view of this repository's workflows.

const repo = loadRepository();

test('in the workflows as run, every local action reference is replaced by its steps', (t) => {
  const left = allSteps(repo.workflows)
    .filter(({ step }) => localReference(step.uses) !== undefined)
    .map(describeStep);
  t.deepEqual(left, []);
  t.true(allSteps(repo.workflows).some(({ step }) => (step.origin?.via.length ?? 0) > 0));
});

test('ci.yml › lint as run: checkout, the setup action (pnpm, Node, frozen install), then its own steps', (t) => {
  const ci = repo.workflows.find((file) => file.name === 'ci.yml');
  t.deepEqual(
    (ci?.workflow.jobs.lint?.steps ?? []).map((step) => step.uses?.replace(/@.*/, '') ?? step.run),
    [
      'actions/checkout',
      'pnpm/setup',
      'actions/setup-node',
      'pnpm install --frozen-lockfile',
      'pnpm lint',
      'pnpm typecheck',
      'pnpm --filter @high-available-server/pipelines shellcheck',
    ],
  );
});
