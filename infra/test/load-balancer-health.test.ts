import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import test from 'ava';
import { ALB_HEALTH_CHECK } from '../load-balancer-health.js';
import { REPO_ROOT } from '../paths.js';
import { single } from './support/run-stack.js';
import { stackRun } from './support/stack-runs.js';

const run = await stackRun('prod');

test('the target group health-checks the pods with exactly the exported settings', (t) => {
  const healthCheck = single(run, 'aws:lb/targetGroup:TargetGroup').inputs.healthCheck;
  t.like(healthCheck, {
    path: ALB_HEALTH_CHECK.path,
    matcher: ALB_HEALTH_CHECK.matcher,
    interval: ALB_HEALTH_CHECK.intervalSeconds,
    timeout: ALB_HEALTH_CHECK.timeoutSeconds,
    healthyThreshold: ALB_HEALTH_CHECK.healthyThreshold,
    unhealthyThreshold: ALB_HEALTH_CHECK.unhealthyThreshold,
    port: 'traffic-port',
  });
});

test('another package can import the settings through the declared entry point, with plain Node and no Pulumi', async (t) => {
  // Plain node (its own type stripping, no tsx), resolving the package by name as a dependent
  // would, with any @pulumi/* import turned into an error.
  const script = `
    import { registerHooks } from 'node:module';
    registerHooks({ resolve(specifier, context, next) {
      if (specifier.startsWith('@pulumi/')) throw new Error('imports ' + specifier);
      return next(specifier, context);
    } });
    const settings = await import('@high-available-server/infra/load-balancer-health');
    process.stdout.write(JSON.stringify(settings));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    cwd: `${REPO_ROOT}/infra`,
  });
  const settings = JSON.parse(stdout);
  t.deepEqual(settings.ALB_HEALTH_CHECK, ALB_HEALTH_CHECK);
  t.true(
    Number.isInteger(settings.ALB_DEREGISTRATION_LAG_SECONDS) && settings.ALB_DEREGISTRATION_LAG_SECONDS > 0,
  );
});
