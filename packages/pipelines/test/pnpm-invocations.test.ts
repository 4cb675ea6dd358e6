import test from 'ava';
import { findPnpmInvocations } from '../src/pnpm-invocations.js';

// The parser behind workflow-scripts-exist: what it must and must not count as a pnpm call.

test('plain, run and filtered scripts', (t) => {
  const calls = findPnpmInvocations(
    [
      'pnpm lint',
      'pnpm run typecheck --silent',
      'pnpm --filter @x/ha smoke --url "$BASE_URL"',
      'pnpm -F=@x/chart test',
      'pnpm -r --workspace-concurrency=1 test',
    ].join('\n'),
  );
  t.deepEqual(
    calls.map((call) =>
      call.kind === 'script' ? [call.script, call.filter ?? '', call.recursive] : call.command,
    ),
    [
      ['lint', '', false],
      ['typecheck', '', false],
      ['smoke', '@x/ha', false],
      ['test', '@x/chart', false],
      ['test', '', true],
    ],
  );
});

test('builtins, operators, continuations, redirections, comments, substitutions', (t) => {
  const calls = findPnpmInvocations(
    [
      'pnpm install --frozen-lockfile && pnpm build || true',
      'FOO=1 pnpm --filter @x/ha load \\',
      '  --rps 40 > load.log 2>&1 &',
      'echo "pnpm nope" # pnpm nope',
      'if ! pnpm test; then exit 1; fi',
      'echo "v=$(pnpm --filter @x/y version-of)"',
    ].join('\n'),
  );
  t.deepEqual(
    calls.map((call) =>
      call.kind === 'script' ? `script:${call.filter ?? ''}:${call.script}` : `builtin:${call.command}`,
    ),
    ['builtin:install', 'script::build', 'script:@x/ha:load', 'script::test', 'script:@x/y:version-of'],
  );
  const load = calls[2];
  t.deepEqual(load?.kind === 'script' ? load.args : [], ['--rps', '40']);
});
