import test from 'ava';
import { covers, imageInputs, imagePackages, installInputs, packagesRun } from '../src/build-inputs.js';
import { localReference } from '../src/local-actions.js';
import { findPnpmInvocations } from '../src/pnpm-invocations.js';
import { loadRepository } from '../src/repository.js';
import { allSteps, isRecord, stepUses, type WorkflowFile } from '../src/workflows.js';

// A pull_request trigger with `paths:` runs only when one of them changes. So a path-filtered
// workflow lists every file outside the packages that its jobs read: pnpm's manifests and settings,
// the tsconfig the packages extend and the Node version file (when it installs), the files the
// Dockerfile copies from the root and .dockerignore (when it builds the image), and the local
// actions its steps come from, and the workspace packages its jobs run with those they depend on.
// The lists are derived from the files that read them.

const repo = loadRepository();

function pullRequestPaths(file: WorkflowFile): string[] | undefined {
  const on = file.workflow.on;
  const trigger = isRecord(on) ? on.pull_request : undefined;
  return isRecord(trigger) && Array.isArray(trigger.paths) ? trigger.paths.map(String) : undefined;
}

const filtered = repo.workflows.flatMap((file) => {
  const paths = pullRequestPaths(file);
  return paths ? [{ file, paths, steps: allSteps([file]) }] : [];
});

test('the path-filtered workflows (the checks below are not empty)', (t) => {
  t.deepEqual(filtered.map(({ file }) => file.name).sort(), ['e2e.yml', 'preview.yml']);
});

test('the derived inputs hold what the builds read today', (t) => {
  const install = installInputs(repo);
  for (const file of [
    'package.json',
    'pnpm-lock.yaml',
    'pnpm-workspace.yaml',
    '.npmrc',
    'tsconfig.base.json',
    '.node-version',
  ])
    t.true(install.includes(file), `install inputs lack ${file}`);
  t.true(imageInputs(repo.root, 'packages/service/Dockerfile').includes('.dockerignore'));
  t.deepEqual(imagePackages(repo.root, 'packages/service/Dockerfile'), ['packages/service']);
  // e2e runs the HA clients, which run on the shared test kit; preview runs the Pulumi program.
  const runBy = (name: string) =>
    packagesRun(repo, filtered.find(({ file }) => file.name === name)?.steps ?? []);
  t.true(runBy('e2e.yml').includes('packages/testkit'), `e2e runs ${runBy('e2e.yml')}`);
  t.true(runBy('e2e.yml').includes('packages/service'));
  t.deepEqual(runBy('preview.yml'), ['infra', 'packages/chart']);
  t.true(
    covers(['infra/**'], 'infra/index.ts') &&
      !covers(['infra/**'], 'infra.md') &&
      covers(['.npmrc'], '.npmrc'),
  );
});

test('a path-filtered workflow that installs lists every file the install and build read', (t) => {
  const inputs = installInputs(repo);
  const missing = filtered
    .filter(({ steps }) =>
      steps.some(({ step }) =>
        findPnpmInvocations(step.run ?? '').some(
          (call) => call.kind === 'builtin' && call.command === 'install',
        ),
      ),
    )
    .flatMap(({ file, paths }) =>
      inputs.filter((input) => !covers(paths, input)).map((input) => `${file.name}: ${input}`),
    );
  t.deepEqual(missing, []);
});

test('a path-filtered workflow that builds the image lists the root files the Docker build reads', (t) => {
  const missing = filtered.flatMap(({ file, paths, steps }) =>
    steps
      .filter(({ step }) => stepUses(step, 'docker/build-push-action') && typeof step.with?.file === 'string')
      .flatMap(({ step }) => imageInputs(repo.root, String(step.with?.file)))
      .filter((input) => !covers(paths, input))
      .map((input) => `${file.name}: ${input}`),
  );
  t.deepEqual([...new Set(missing)], []);
});

test('a path-filtered workflow also runs when a local action it uses changes', (t) => {
  const missing = filtered.flatMap(({ file, paths, steps }) => {
    // From the workflow as run: the actions its steps came through, those used by actions included.
    const used = new Set(
      steps.flatMap(({ step }) => [
        ...(step.origin?.via ?? []).map((hop) => hop.action),
        ...(localReference(step.uses) ?? []),
      ]),
    );
    return [...used]
      .map((reference) => `${reference.slice(2)}/**`)
      .filter((pattern) => !paths.includes(pattern))
      .map((pattern) => `${file.name}: pull_request.paths lacks ${pattern}`);
  });
  t.deepEqual(missing, []);
});

test('a path-filtered workflow lists the workspace packages its jobs run, and those they depend on', (t) => {
  const missing = filtered.flatMap(({ file, paths, steps }) =>
    packagesRun(repo, steps)
      .filter((dir) => !covers(paths, `${dir}/package.json`))
      .map((dir) => `${file.name}: pull_request.paths lacks ${dir}/**`),
  );
  t.deepEqual(missing, []);
});
