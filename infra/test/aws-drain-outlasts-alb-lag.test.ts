// The program refuses drain timings the ALB's deregistration lag would outrun: it reads the drain
// timings from the values file its release uses and checks them against ALB_DEREGISTRATION_LAG_SECONDS
// before it creates anything. The program is called directly (not inside a stack resource, whose
// failure Pulumi reports as an unhandled rejection), with a repository whose values-eks.yaml stops
// accepting requests too early.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { shutdownSettings } from '@high-available-server/chart';
import test from 'ava';
import { ALB_DEREGISTRATION_LAG_SECONDS } from '../load-balancer-health.js';
import { REPO_ROOT } from '../paths.js';
import { LAG_MARGIN_SECONDS } from '../shutdown.js';
import { loadProgram } from './support/run-stack.js';

test('a values-eks.yaml whose pods stop accepting before the ALB lag plus margin stops the program', async (t) => {
  const { delayMs } = shutdownSettings(['values-eks.yaml']);
  // One second short of what the lag needs.
  const preStop = Math.ceil(ALB_DEREGISTRATION_LAG_SECONDS + LAG_MARGIN_SECONDS - delayMs / 1000) - 1;
  const root = await mkdtemp(join(tmpdir(), 'infra-lag-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  await mkdir(join(root, 'packages/chart'), { recursive: true });
  const eksValues = await readFile(join(REPO_ROOT, 'packages/chart/values-eks.yaml'), 'utf8');
  t.false(/^shutdown:/m.test(eksValues), 'values-eks.yaml has its own shutdown block: override it in place');
  await writeFile(
    join(root, 'packages/chart/values-eks.yaml'),
    `${eksValues}\nshutdown:\n  preStopSleepSeconds: ${preStop}\n`,
  );

  const { program, deps, resources } = await loadProgram('dev', {}, { repoRoot: root });
  const error = await t.throwsAsync(program(deps));
  t.deepEqual(resources, [], 'nothing is created before the check');
  t.is(error?.name, 'ShutdownTimingsError');
  t.regex(error?.message ?? '', new RegExp(`may send new requests for ${ALB_DEREGISTRATION_LAG_SECONDS} s`));
  t.regex(error?.message ?? '', new RegExp(`raise preStopSleepSeconds to at least ${preStop + 1} `));
});
