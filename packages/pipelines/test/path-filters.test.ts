import test from 'ava';
import { localReference } from '../src/local-actions.js';
import { loadRepository } from '../src/repository.js';
import { allSteps, isRecord, type WorkflowFile } from '../src/workflows.js';

// A pull_request trigger with `paths:` runs only when one of them changes. A workflow that lists
// its own file there must also list the local actions it uses: their steps run in its jobs, and
// a change to them is a change to the workflow.

const repo = loadRepository();

function pullRequestPaths(file: WorkflowFile): string[] | undefined {
  const on = file.workflow.on;
  const trigger = isRecord(on) ? on.pull_request : undefined;
  return isRecord(trigger) && Array.isArray(trigger.paths) ? trigger.paths.map(String) : undefined;
}

const filtered = repo.writtenWorkflows.flatMap((file) => {
  const paths = pullRequestPaths(file);
  return paths?.includes(`.github/workflows/${file.name}`) ? [{ file, paths }] : [];
});

test('some workflows filter pull requests by path and list their own file (the check is not empty)', (t) => {
  t.deepEqual(filtered.map(({ file }) => file.name).sort(), ['e2e.yml', 'preview.yml']);
});

test('a path-filtered workflow also runs when a local action it uses changes', (t) => {
  const missing = filtered.flatMap(({ file, paths }) => {
    // From the workflow as run: the actions its steps came through, those used by actions included.
    const asRun = repo.workflows.find((run) => run.name === file.name);
    const used = new Set(
      allSteps(asRun ? [asRun] : []).flatMap(({ step }) => [
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
