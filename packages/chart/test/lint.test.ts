import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import test from 'ava';
import { shippedInputs } from './helpers/fixtures.js';
import { loadHelm } from './helpers/helm.js';

const helm = await loadHelm();

for (const [name, input] of Object.entries(shippedInputs)) {
  test(`helm lint --strict passes with ${name}`, async (t) => {
    const output = await helm.lint(input);
    t.regex(output, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    t.notRegex(output, /\[(WARNING|ERROR)\]/);
  });
}

test('helm lint --strict fails on values the schema refuses', async (t) => {
  await t.throwsAsync(helm.lint({ set: { store: 'pglite' } }), { message: /at '\/store'/ });
});

test('the bundled helm is Helm 4', async (t) => {
  const { stdout } = await promisify(execFile)(helm.binary, ['version', '--short']);
  t.regex(stdout, /^v4\./);
});
