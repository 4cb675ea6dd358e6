// A chart release that changes nothing the pods run must not restart them: the pod template carries
// only stable labels, and the config checksum covers the config data, not the ConfigMap's labels.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { digest, shippedInputs } from './helpers/fixtures.js';
import { chartDir, loadHelm } from './helpers/helm.js';
import { only } from './helpers/manifests.js';

const run = promisify(execFile);
const helm = await loadHelm();

/** The repository's chart packaged as another chart version (same templates, same appVersion). */
async function packagedAs(t: { teardown(fn: () => Promise<void>): void }, version: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'chart-bump-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  await run(helm.binary, ['package', chartDir, '--version', version, '--destination', dir]);
  return path.join(dir, `high-available-server-${version}.tgz`);
}

for (const [name, input] of Object.entries(shippedInputs)) {
  test(`changing only the chart version leaves the pod template unchanged (${name})`, async (t) => {
    const bumped = await packagedAs(t, '9.9.9');
    const before = await helm.render(input);
    const after = await helm.render({ ...input, chart: bumped });
    // The bump is real: the objects' own chart label changed.
    t.is(only(after, 'Deployment').metadata.labels?.['helm.sh/chart'], 'high-available-server-9.9.9');
    t.not(only(before, 'Deployment').metadata.labels?.['helm.sh/chart'], 'high-available-server-9.9.9');
    t.deepEqual(only(after, 'Deployment').spec.template, only(before, 'Deployment').spec.template);
    t.deepEqual(only(after, 'Job').spec.template, only(before, 'Job').spec.template);
  });
}

test('the pod template carries the selector labels and the user pod labels only', async (t) => {
  const deployment = only(await helm.render({ setString: { 'podLabels.team': 'birthdays' } }), 'Deployment');
  t.deepEqual(deployment.spec.template.metadata.labels, {
    ...deployment.spec.selector.matchLabels,
    team: 'birthdays',
  });
});

test('the config checksum still follows the config data', async (t) => {
  const checksum = async (set: Record<string, string | number>) =>
    only(await helm.render({ set }), 'Deployment').spec.template.metadata.annotations['checksum/config'];
  t.not(await checksum({ logLevel: 'debug' }), await checksum({}));
});

test('deployed by digest alone, objects carry no version label (a digest is not a version)', async (t) => {
  const manifests = await helm.render({ setString: { 'image.digest': digest } });
  for (const manifest of manifests) t.is(manifest.metadata.labels?.['app.kubernetes.io/version'], undefined);
  const tagged = await helm.render({ setString: { 'image.digest': digest, 'image.tag': '2.3.4' } });
  t.is(only(tagged, 'Deployment').metadata.labels?.['app.kubernetes.io/version'], '2.3.4');
});
