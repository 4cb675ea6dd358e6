import test from 'ava';
import { findPnpmInvocations } from '../src/pnpm-invocations.js';
import { loadRepository } from '../src/repository.js';
import { allJobs, allSteps, describeStep, stepUses } from '../src/workflows.js';

// One pnpm version everywhere: root package.json `packageManager`. pnpm/setup reads it when given
// no `version:` (and refuses a different one), so workflows must not state another.
// These rules read the workflows as run: the setup written in .github/actions/setup-workspace
// counts in every job that uses it.

const repo = loadRepository();
const packageManager = repo.workspace.root.packageManager ?? '';
const pinnedVersion = /^pnpm@(\d+\.\d+\.\d+)/.exec(packageManager)?.[1];

test('root package.json pins an exact pnpm version', (t) => {
  t.truthy(pinnedVersion, `packageManager is '${packageManager}'`);
});

test('pnpm/setup takes the version from packageManager (no other version stated)', (t) => {
  const setups = allSteps(repo.workflows).filter(({ step }) => stepUses(step, 'pnpm/setup'));
  t.true(setups.length > 0);
  const conflicting = setups
    .filter(({ step }) => step.with?.version !== undefined && String(step.with.version) !== pinnedVersion)
    .map((ref) => `${describeStep(ref)}: version ${String(ref.step.with?.version)} ≠ ${pinnedVersion}`);
  t.deepEqual(conflicting, []);
});

test('every job that runs pnpm sets it up first, then Node with the pnpm store cached', (t) => {
  const problems = allJobs(repo.workflows).flatMap(({ file, id, job }) => {
    const steps = job.steps ?? [];
    const firstPnpm = steps.findIndex(
      (step) => step.run !== undefined && findPnpmInvocations(step.run).length > 0,
    );
    if (firstPnpm === -1) return [];
    const setup = steps.findIndex((step) => stepUses(step, 'pnpm/setup'));
    const node = steps.findIndex((step) => stepUses(step, 'actions/setup-node'));
    const where = `${file.name} › ${id}`;
    const found: string[] = [];
    if (setup === -1 || setup > firstPnpm) found.push(`${where}: pnpm used before pnpm/setup`);
    if (node === -1 || node < setup || node > firstPnpm)
      found.push(`${where}: setup-node must follow pnpm/setup`);
    else if (steps[node]?.with?.cache !== 'pnpm') found.push(`${where}: setup-node without cache: pnpm`);
    // pnpm/setup runs `pnpm install` itself unless told not to: an install without
    // --frozen-lockfile, before the explicit one.
    if (setup !== -1 && String(steps[setup]?.with?.install) !== 'false')
      found.push(`${where}: pnpm/setup without install: false`);
    return found;
  });
  t.deepEqual(problems, []);
});

test('pnpm install always uses --frozen-lockfile', (t) => {
  const installs = allSteps(repo.workflows).flatMap((ref) =>
    findPnpmInvocations(ref.step.run ?? '')
      .filter((call) => call.kind === 'builtin' && ['install', 'i'].includes(call.command))
      .map((call) => ({ ref, call })),
  );
  const loose = installs
    .filter(({ call }) => call.kind === 'builtin' && !call.args.includes('--frozen-lockfile'))
    .map(({ ref, call }) => `${describeStep(ref)}: ${call.text}`);
  t.deepEqual(loose, []);
  // Not vacuous: the install each job runs is seen, wherever it is written.
  const jobsInstalling = new Set(installs.map(({ ref }) => `${ref.file.name} › ${ref.id}`));
  t.true(jobsInstalling.size >= 8, `installs seen in ${jobsInstalling.size} jobs`);
});
