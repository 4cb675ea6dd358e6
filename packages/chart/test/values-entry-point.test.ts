// Other packages read the chart's numbers through `@high-available-server/chart` instead of rendering
// it: what they read must be what helm renders, for every values file.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import test from 'ava';
import { chartValues, drainEndsSeconds, mergeValues, shutdownSettings } from '../src/index.js';
import { eks, minikube } from './helpers/fixtures.js';
import { type ChartInput, chartDir, loadHelm } from './helpers/helm.js';
import { only, serverContainer } from './helpers/manifests.js';

const helm = await loadHelm();

const valuesFiles: [string, string[], ChartInput][] = [
  ['values.yaml', [], {}],
  ['values-minikube.yaml', ['values-minikube.yaml'], minikube],
  ['values-eks.yaml', ['values-eks.yaml'], eks],
];

for (const [name, files, input] of valuesFiles) {
  test(`shutdownSettings reads the drain timings helm renders (${name})`, async (t) => {
    const manifests = await helm.render(input);
    const podSpec = only(manifests, 'Deployment').spec.template.spec;
    const config = only(manifests, 'ConfigMap').data;
    t.deepEqual(shutdownSettings(files), {
      preStopSleepSeconds: serverContainer(manifests).lifecycle.preStop.sleep.seconds,
      delayMs: Number(config.SHUTDOWN_DELAY_MS),
      timeoutMs: Number(config.SHUTDOWN_TIMEOUT_MS),
      terminationGracePeriodSeconds: podSpec.terminationGracePeriodSeconds,
    });
  });

  test(`chartValues merges the file over values.yaml as helm does (${name})`, async (t) => {
    const container = serverContainer(await helm.render(input));
    t.deepEqual(chartValues(files).resources, container.resources);
  });
}

test('drainEndsSeconds is the rule the chart renders into the Ingress deregistration delay', async (t) => {
  for (const timeoutMs of [15_000, 15_001]) {
    const set = { 'ingress.enabled': true, 'shutdown.timeoutMs': timeoutMs };
    const ingress = only(await helm.render({ set }), 'Ingress');
    const rendered = ingress.metadata.annotations?.['alb.ingress.kubernetes.io/target-group-attributes'];
    const settings = { ...shutdownSettings(), timeoutMs };
    t.is(rendered, `deregistration_delay.timeout_seconds=${drainEndsSeconds(settings)}`);
  }
});

test('a null in a later file deletes the key, maps merge, lists and scalars replace', (t) => {
  t.deepEqual(mergeValues({ a: { b: 1, c: [1, 2] }, d: 1 }, { a: { c: [3] }, d: null }), {
    a: { b: 1, c: [3] },
  });
});

test('shutdownSettings names a broken timing', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'chart-values-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'broken.yaml');
  await writeFile(file, 'shutdown:\n  delayMs: 5s\n');
  t.throws(() => shutdownSettings([file]), {
    message: 'shutdown.delayMs must be a non-negative integer, got "5s"',
  });
});

test('another package can import the entry point with plain Node (no tsx), resolving it by name', async (t) => {
  // Node's own type stripping, the way a dependent without a TypeScript loader would load it.
  const script = `
    const chart = await import('@high-available-server/chart');
    process.stdout.write(JSON.stringify(chart.shutdownSettings(['values-eks.yaml'])));`;
  const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
    cwd: chartDir,
  });
  t.deepEqual(JSON.parse(stdout), shutdownSettings(['values-eks.yaml']));
});

test('the values files are exported by name too (for readers that parse YAML themselves)', (t) => {
  const resolved = fileURLToPath(import.meta.resolve('@high-available-server/chart/values.yaml'));
  t.is(resolved, path.join(chartDir, 'values.yaml'));
});
