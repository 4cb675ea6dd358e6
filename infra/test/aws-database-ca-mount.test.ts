import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chartDir, loadHelm } from '@high-available-server/chart/helm';
import test from 'ava';
import { named, single } from './support/run-stack.js';
import { stackRun } from './support/stack-runs.js';

// The two halves of TLS to RDS live in two places: infra writes `sslrootcert=<path>` into DATABASE_URL,
// the chart mounts the CA ConfigMap at a path of its own. Each side's tests pin its half; this renders
// the real chart with the values this stack gives its Helm release and checks that the halves meet.
const run = await stackRun('prod');

interface Volume {
  name: string;
  configMap?: { name: string; items?: { key: string; path: string }[] };
}
interface PodSpec {
  volumes?: Volume[];
  containers: { name: string; volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[] }[];
}

/** Every file each container sees from `configMapName`, as mountPath/itemPath. */
function mountedFiles(pod: PodSpec, configMapName: string): string[] {
  const files: string[] = [];
  for (const container of pod.containers) {
    for (const mount of container.volumeMounts ?? []) {
      const volume = pod.volumes?.find((v) => v.name === mount.name);
      if (volume?.configMap?.name !== configMapName) continue;
      for (const item of volume.configMap.items ?? []) files.push(`${mount.mountPath}/${item.path}`);
    }
  }
  return files;
}

test('the CA file DATABASE_URL names is the file the chart mounts, in the server and migration pods', async (t) => {
  const release = named(run, 'kubernetes:helm.sh/v3:Release', 'hello').inputs;
  const externalSecret = single(run, 'kubernetes:external-secrets.io/v1:ExternalSecret').inputs;
  const template: string = externalSecret.spec.target.template.data.DATABASE_URL;
  const caFile = /[?&]sslrootcert=([^&]+)/.exec(template)?.[1];
  t.truthy(caFile, `no sslrootcert in ${template}`);
  const configMap = single(run, 'kubernetes:core/v1:ConfigMap').inputs;

  const dir = await mkdtemp(join(tmpdir(), 'infra-chart-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const valuesFile = join(dir, 'release-values.json');
  await writeFile(valuesFile, JSON.stringify(release.values));
  // The repository's chart, rendered by the chart package's own helper (its pinned helm binary).
  t.is(resolve(release.chart), chartDir);
  const helm = await loadHelm();
  const manifests = await helm.render({
    externalValuesFiles: [...release.valueYamlFiles.map((asset: { path: string }) => asset.path), valuesFile],
  });
  const pods = manifests
    .filter((m) => m.kind === 'Deployment' || m.kind === 'Job')
    .map((m) => ({ kind: m.kind as string, spec: m.spec.template.spec as PodSpec }));
  t.deepEqual(pods.map((p) => p.kind).sort(), ['Deployment', 'Job']);
  for (const pod of pods) {
    t.deepEqual(mountedFiles(pod.spec, configMap.metadata.name), [caFile], `${pod.kind} mounts the CA there`);
  }
  // The key the chart reads is one the ConfigMap really holds.
  t.true(Object.keys(configMap.data).includes(release.values.database.caBundle.key));
});
