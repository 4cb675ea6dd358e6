import test from 'ava';
import { pinProblem } from '../src/action-pins.js';
import { loadRepository } from '../src/repository.js';
import { findUsesLines } from '../src/uses-lines.js';
import { allJobs, allSteps } from '../src/workflows.js';

// Third-party actions run with the job's token, its OIDC token and its secrets, so a tag that
// moves would run someone else's code with them. Each one is pinned to the full commit SHA of one
// release, with the tag in a comment (`uses: owner/repo@<sha> # <tag>`), exactly as
// action-pins.yaml lists the pair. The same holds inside local composite actions: their steps run
// in the jobs that use them.

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

test('every action is pinned to the SHA of the tag action-pins.yaml lists, tag in a comment', (t) => {
  const problems = usesLines.flatMap(({ file, line, uses, comment }) => {
    const problem = pinProblem({ uses, comment }, repo.pins);
    return problem ? [`${file.name}:${line}: ${problem}`] : [];
  });
  t.deepEqual(problems, []);
  // Not vacuous for local actions: their lines are among those checked.
  t.true(usesLines.some(({ file }) => file.name.startsWith('.github/actions/')));
});

test('the pin check rejects a tag, an unknown action, another SHA and a wrong comment', (t) => {
  const pin = repo.pins[0];
  if (!pin) return t.fail('action-pins.yaml lists no action');
  const problem = (uses: string, comment?: string) => pinProblem({ uses, comment }, repo.pins) ?? '';
  t.regex(problem(`${pin.action}@${pin.tag}`, undefined), /not pinned to a full commit SHA/);
  t.regex(problem(`someone/else@${pin.sha}`, pin.tag), /not in action-pins\.yaml/);
  t.regex(problem(`${pin.action}@${'0'.repeat(40)}`, pin.tag), /pins/);
  t.regex(problem(`${pin.action}@${pin.sha}`, 'v0.0.0'), /must name the pinned tag/);
  t.regex(problem('docker://alpine:3'), /docker:\/\//);
  t.is(problem(`${pin.action}@${pin.sha}`, pin.tag), '');
  t.is(problem('./.github/actions/anything'), '', 'local actions need no pin');
});

test('no stale entries: every pinned action is used by a workflow or a local action', (t) => {
  const used = new Set(usesLines.map((line) => line.uses.toLowerCase()));
  t.deepEqual(
    repo.pins
      .filter((p) => !used.has(`${p.action}@${p.sha}`.toLowerCase()))
      .map((p) => `${p.action}@${p.tag}`),
    [],
  );
});

// GitHub is removing Node 20 from its runners; an action still declaring node20 is run on Node 24
// regardless, which its authors never tested.
test('every pinned JavaScript action runs on node24', (t) => {
  t.deepEqual(
    repo.pins
      .filter((p) => p.runtime.startsWith('node') && p.runtime !== 'node24')
      .map((p) => `${p.action}@${p.tag}: ${p.runtime}`),
    [],
  );
});
