import test from 'ava';
import { findPnpmInvocations, type PnpmInvocation } from '../src/pnpm-invocations.js';
import { loadRepository } from '../src/repository.js';
import { allSteps, describeStep } from '../src/workflows.js';
import type { PackageInfo } from '../src/workspace.js';

// No workflow step may call a package script that does not exist: every `pnpm <script>`,
// `pnpm run <script>` and `pnpm --filter <package> <script>` is resolved against the real
// package.json files of the workspace.

const repo = loadRepository();
const { root, packages } = repo.workspace;

function missing(call: Extract<PnpmInvocation, { kind: 'script' }>): string | undefined {
  if (call.script === '') return 'no script named';
  let targets: PackageInfo[];
  if (call.filter !== undefined) {
    const match = packages.find((pkg) => pkg.name === call.filter);
    if (!match) return `no workspace package named ${call.filter} (filters must name one package exactly)`;
    targets = [match];
  } else if (call.dir !== undefined) {
    const match = packages.find((pkg) => pkg.dir === call.dir?.replace(/^\.\//, '').replace(/\/$/, ''));
    if (!match) return `no workspace package in ${call.dir}`;
    targets = [match];
  } else if (call.recursive) {
    targets = packages;
  } else {
    targets = [root];
  }
  const has = targets.some((pkg) => call.script in pkg.scripts);
  return has ? undefined : `script '${call.script}' not in ${targets.map((pkg) => pkg.name).join(', ')}`;
}

const calls = allSteps(repo.workflows).flatMap((ref) =>
  findPnpmInvocations(ref.step.run ?? '').map((call) => ({ ref, call })),
);

test('workflows call pnpm scripts (the check has something to check)', (t) => {
  const scripts = calls.filter(({ call }) => call.kind === 'script').map(({ call }) => call.text);
  t.true(scripts.some((text) => text === 'pnpm test'));
  t.true(scripts.some((text) => text.startsWith('pnpm --filter @high-available-server/ha smoke')));
});

test('every pnpm script a workflow calls exists in the package.json it targets', (t) => {
  const problems = calls.flatMap(({ ref, call }) => {
    if (call.kind !== 'script') return [];
    const problem = missing(call);
    return problem ? [`${describeStep(ref)}: \`${call.text}\`: ${problem}`] : [];
  });
  t.deepEqual(problems, []);
});
