import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chartDir, chartValues } from '@high-available-server/chart';
import { loadHelm, type Manifest } from '@high-available-server/chart/helm';
import test, { type ExecutionContext } from 'ava';
import { shutdownTimings } from '../shutdown.js';
import { named, type StackRun, single } from './support/run-stack.js';
import { stackRun } from './support/stack-runs.js';

// The chart's values files are the source of chart settings; the program passes only what it alone
// knows (image, target group, database Secret and CA ConfigMap). Each test renders the real chart the
// way the Release installs it: the stack's values file, then the program's values.
const helm = await loadHelm();
const runs: Record<string, StackRun> = {
  prod: await stackRun('prod'),
  dev: await stackRun('dev'),
  minikube: await stackRun('minikube'),
};

function release(run: StackRun) {
  return named(run, 'kubernetes:helm.sh/v3:Release', 'hello').inputs;
}

async function renderRelease(t: ExecutionContext, run: StackRun): Promise<Manifest[]> {
  const inputs = release(run);
  const dir = await mkdtemp(join(tmpdir(), 'infra-release-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const programValues = join(dir, 'program-values.json');
  await writeFile(programValues, JSON.stringify(inputs.values));
  t.is(inputs.chart, chartDir);
  return helm.render({
    externalValuesFiles: [
      ...inputs.valueYamlFiles.map((asset: { path: string }) => asset.path),
      programValues,
    ],
  });
}

for (const [stack, run] of Object.entries(runs)) {
  test(`${stack}: the program passes only image, database and target group values`, (t) => {
    const allowed = ['image', 'database', 'targetGroupBinding'];
    t.deepEqual(
      Object.keys(release(run).values).filter((key) => !allowed.includes(key)),
      [],
      'other chart settings belong in the values file',
    );
  });

  test(`${stack}: the release runs the replica count of its values file`, async (t) => {
    const [valuesFile] = release(run).valueYamlFiles.map((asset: { path: string }) => asset.path);
    const deployment = (await renderRelease(t, run)).find((m) => m.kind === 'Deployment');
    t.is(deployment?.spec.replicas, chartValues([valuesFile]).replicaCount);
    t.is(deployment?.spec.replicas, 3);
  });
}

test('prod: the pods are bound to the program-owned target group, with no Ingress or ServiceMonitor', async (t) => {
  const manifests = await renderRelease(t, runs.prod as StackRun);
  const kinds = manifests.map((m) => m.kind);
  const bindings = manifests.filter((m) => m.kind === 'TargetGroupBinding');
  // The mocks give the target group the ARN of its real shape, named after the resource.
  const targetGroup = single(runs.prod as StackRun, 'aws:lb/targetGroup:TargetGroup');
  t.deepEqual(
    bindings.map((b) => b.spec.targetGroupARN),
    [`arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/${targetGroup.name}/0123456789abcdef`],
  );
  t.false(kinds.includes('Ingress'));
  t.false(kinds.includes('ServiceMonitor'));
});

test('minikube: no target group binding', async (t) => {
  const manifests = await renderRelease(t, runs.minikube as StackRun);
  t.false(manifests.some((m) => m.kind === 'TargetGroupBinding'));
});

test('prod: the target group drains a pod as long as the rendered pod may still serve', async (t) => {
  const deployment = (await renderRelease(t, runs.prod as StackRun)).find((m) => m.kind === 'Deployment');
  const pod = deployment?.spec.template.spec;
  const container = pod.containers.find((c: { name: string }) => c.name === 'server');
  const timings = shutdownTimings();
  t.is(container.lifecycle.preStop.sleep.seconds, timings.preStopSleepSeconds);
  t.is(pod.terminationGracePeriodSeconds, timings.terminationGracePeriodSeconds);
  const targetGroup = single(runs.prod as StackRun, 'aws:lb/targetGroup:TargetGroup').inputs;
  t.is(targetGroup.deregistrationDelay, timings.deregistrationDelaySeconds);
  t.true(pod.terminationGracePeriodSeconds > targetGroup.deregistrationDelay);
});
