import test from 'ava';
import { loadRepository } from '../src/repository.js';
import { allSteps, describeStep } from '../src/workflows.js';

// `${{ secrets.X }}` inside `run:` is pasted into the script text before the shell starts: it can
// end up in `set -x` traces, error messages or process listings. Secrets go through `env:`.

const repo = loadRepository();

test('no run: script expands a secrets.* expression directly', (t) => {
  const offenders = allSteps(repo.workflows)
    .filter(({ step }) => typeof step.run === 'string' && /\$\{\{[^}]*\bsecrets\./.test(step.run))
    .map(describeStep);
  t.deepEqual(offenders, []);
});

test('the check sees secrets where they are used: in env and with inputs', (t) => {
  const viaInputs = allSteps(repo.workflows).filter(({ step }) =>
    /\bsecrets\./.test(JSON.stringify({ with: step.with, env: step.env })),
  );
  const viaJobEnv = repo.workflows.some((file) =>
    Object.values(file.workflow.jobs).some((job) => /\bsecrets\./.test(JSON.stringify(job.env ?? {}))),
  );
  t.true(viaInputs.length > 0 && viaJobEnv, 'workflows use secrets only through inputs and env');
});
