import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { pinProblem } from '../src/action-pins.js';
import { loadRepository } from '../src/repository.js';
import { findUsesLines } from '../src/uses-lines.js';
import { allJobs, allSteps } from '../src/workflows.js';

// Third-party actions run with the job's token and secrets: each one is pinned to a full commit
// SHA with its version in a comment, or — where no SHA could be verified — to an exact release
// tag listed in action-pins.yaml `toPin` and in README.md and docs/pipelines.md as still to pin.
// The same holds inside local composite actions: their steps run in the jobs that use them.

const repo = loadRepository();
// Every file that holds `uses:` lines, as written: the workflows and the local actions.
const sources = [
  ...repo.writtenWorkflows.map((file) => ({ name: `.github/workflows/${file.name}`, text: file.text })),
  ...repo.localActions.map((action) => ({ name: action.file, text: action.text })),
];
const usesLines = sources.flatMap((file) => findUsesLines(file.text).map((line) => ({ file, ...line })));

test('the raw-text scan finds every uses: the YAML parser finds', (t) => {
  const parsed = [
    ...allSteps(repo.writtenWorkflows).flatMap(({ step }) => (step.uses ? [step.uses] : [])),
    ...allJobs(repo.writtenWorkflows).flatMap(({ job }) => (job.uses ? [job.uses] : [])),
    ...repo.localActions.flatMap((action) =>
      (action.metadata.runs?.steps ?? []).flatMap((step) => (step.uses ? [step.uses] : [])),
    ),
  ].sort();
  t.deepEqual(usesLines.map((line) => line.uses).sort(), parsed);
  t.true(parsed.length > 0);
});

test('every action is pinned to a verified SHA (# version comment) or a listed exact tag', (t) => {
  const problems = usesLines.flatMap(({ file, line, uses, comment }) => {
    const problem = pinProblem({ uses, comment }, repo.pins);
    return problem ? [`${file.name}:${line}: ${problem}`] : [];
  });
  t.deepEqual(problems, []);
  // Not vacuous for local actions: their lines are among those checked.
  t.true(usesLines.some(({ file }) => file.name.startsWith('.github/actions/')));
});

test('the pin check rejects what it must', (t) => {
  const pinned = repo.pins.pinned[0];
  if (!pinned) return t.fail('action-pins.yaml has no pinned entry');
  t.regex(pinProblem({ uses: 'actions/checkout@v6', comment: undefined }, repo.pins) ?? '', /not pinned/);
  t.regex(
    pinProblem({ uses: `${pinned.action}@${'0'.repeat(40)}`, comment: pinned.version }, repo.pins) ?? '',
    /unverified SHA/,
  );
  t.regex(
    pinProblem({ uses: `${pinned.action}@${pinned.sha}`, comment: 'v0.0.0' }, repo.pins) ?? '',
    /differs/,
  );
  t.is(pinProblem({ uses: `${pinned.action}@${pinned.sha}`, comment: pinned.version }, repo.pins), undefined);
});

test('no stale entries: every pinned or to-pin action is used by a workflow or local action', (t) => {
  const used = new Set(usesLines.map((line) => line.uses));
  const stale = [
    ...repo.pins.pinned.filter((p) => !used.has(`${p.action}@${p.sha}`)).map((p) => `${p.action}@${p.sha}`),
    ...repo.pins.toPin
      .filter((p) => !used.has(`${p.action}@${p.version}`))
      .map((p) => `${p.action}@${p.version}`),
  ];
  t.deepEqual(stale, []);
});

// The root README names the actions still to pin; docs/pipelines.md lists every pin with its version.
for (const doc of ['README.md', 'docs/pipelines.md']) {
  test(`${doc} lists every action still to pin, with its tag`, (t) => {
    const path = join(repo.root, doc);
    const text = readFileSync(path, 'utf8');
    const missing = repo.pins.toPin
      .map((p) => `${p.action}@${p.version}`)
      .filter((entry) => !text.includes(entry));
    t.deepEqual(missing, [], `not found in ${path}`);
  });
}

test('docs/pipelines.md names every SHA-pinned action with its version', (t) => {
  const path = join(repo.root, 'docs/pipelines.md');
  const text = readFileSync(path, 'utf8');
  const missing = repo.pins.pinned
    .map((p) => `\`${p.action}\` ${p.version}`)
    .filter((entry) => !text.includes(entry));
  t.deepEqual(missing, [], `not found in ${path}`);
});
