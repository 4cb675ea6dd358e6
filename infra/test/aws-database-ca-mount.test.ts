import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chartDir, loadHelm, type Manifest } from '@high-available-server/chart/helm';
import test from 'ava';
import { OWNER_REFRESH_SECONDS } from '../components/database-access.js';
import { podBackOffSeconds } from './support/job-back-off.js';
import { named } from './support/run-stack.js';
import { stackRun } from './support/stack-runs.js';

// Infra and the chart each pin their half of the database connection: infra writes
// `sslrootcert=<path>` into DATABASE_URL and names the credential Secrets, the chart mounts the
// CA ConfigMap and the Secrets at paths of its own. This renders the real chart with the values
// this stack gives its Helm release and checks that the halves meet.
const run = await stackRun('prod');
const release = named(run, 'kubernetes:helm.sh/v3:Release', 'hello').inputs;
const configMap = named(run, 'kubernetes:core/v1:ConfigMap', 'hello-prod-rds-ca').inputs;

interface Volume {
  name: string;
  configMap?: { name: string; items?: { key: string; path: string }[] };
  secret?: { secretName: string; items?: unknown[] };
}
interface Container {
  name: string;
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string } }[];
  volumeMounts?: { name: string; mountPath: string; subPath?: string; readOnly?: boolean }[];
}
interface PodSpec {
  volumes?: Volume[];
  containers: Container[];
}

interface Rendered {
  pods: { kind: string; spec: PodSpec }[];
  /** The chart's migration Job as rendered (a Helm hook). */
  migrationJob: Manifest | undefined;
  configMaps: Map<string, Record<string, string>>;
}

async function render(): Promise<Rendered> {
  const dir = await mkdtemp(join(tmpdir(), 'infra-chart-'));
  try {
    const valuesFile = join(dir, 'release-values.json');
    await writeFile(valuesFile, JSON.stringify(release.values));
    // The repository's chart, rendered by the chart package's own helper (its pinned helm binary).
    const helm = await loadHelm();
    const manifests = await helm.render({
      externalValuesFiles: [
        ...release.valueYamlFiles.map((asset: { path: string }) => asset.path),
        valuesFile,
      ],
    });
    return {
      pods: manifests
        .filter((m) => m.kind === 'Deployment' || m.kind === 'Job')
        .map((m) => ({ kind: m.kind as string, spec: m.spec.template.spec as PodSpec })),
      migrationJob: manifests.find((m) => m.kind === 'Job'),
      configMaps: new Map(
        manifests.filter((m) => m.kind === 'ConfigMap').map((m) => [m.metadata.name, m.data ?? {}]),
      ),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
const { pods, configMaps, migrationJob } = await render();

/** The environment a container starts with: its ConfigMaps' data, then its own env. */
function environment(container: Container): Record<string, string | undefined> {
  const fromConfigMaps = (container.envFrom ?? []).map((source) =>
    source.configMapRef ? (configMaps.get(source.configMapRef.name) ?? {}) : {},
  );
  return Object.assign(
    {},
    ...fromConfigMaps,
    Object.fromEntries((container.env ?? []).map((e) => [e.name, e.value])),
  );
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

/** The Secret a container's file at `path` comes from, and whether the kubelet keeps it current. */
function secretBehind(pod: PodSpec, container: Container, path: string) {
  const mount = container.volumeMounts?.find((m) => path.startsWith(`${m.mountPath}/`));
  const volume = pod.volumes?.find((v) => v.name === mount?.name);
  // A subPath mount is a copy made at start; a volume mount (items or not) the kubelet keeps current.
  return { secret: volume?.secret?.secretName, refreshed: mount !== undefined && !mount.subPath };
}

test('the CA file DATABASE_URL names is the file the chart mounts, in the server and migration pods', (t) => {
  const url: string = release.values.database.url;
  const caFile = /[?&]sslrootcert=([^&]+)/.exec(url)?.[1];
  t.truthy(caFile, `no sslrootcert in ${url}`);
  t.is(resolve(release.chart), chartDir);
  t.deepEqual(pods.map((p) => p.kind).sort(), ['Deployment', 'Job']);
  for (const pod of pods) {
    t.deepEqual(mountedFiles(pod.spec, configMap.metadata.name), [caFile], `${pod.kind} mounts the CA there`);
  }
  // The key the chart reads is one the ConfigMap really holds.
  t.true(Object.keys(configMap.data).includes(release.values.database.caBundle.key));
});

test('the servers read the app credential and the migration Job the owner credential, as files the kubelet refreshes', (t) => {
  const expected: Record<string, string> = { Deployment: 'hello-database-app', Job: 'hello-database-owner' };
  for (const pod of pods) {
    const container = pod.spec.containers[0];
    if (!container) throw new Error(`${pod.kind} has no container`);
    const env = environment(container);
    t.is(env.DATABASE_URL, release.values.database.url, `${pod.kind}: DATABASE_URL as given, no credentials`);
    for (const variable of ['DATABASE_USER_FILE', 'DATABASE_PASSWORD_FILE']) {
      const path = env[variable];
      t.truthy(path, `${pod.kind} sets ${variable}`);
      t.deepEqual(secretBehind(pod.spec, container, path ?? ''), {
        secret: expected[pod.kind],
        refreshed: true,
      });
    }
  }
});

test('the migration Job runs before the new pods, and retries past the owner Secret following a rotation, within the release timeout', (t) => {
  const hooks = (migrationJob?.metadata.annotations?.['helm.sh/hook'] ?? '').split(',');
  t.true(hooks.includes('pre-install') && hooks.includes('pre-upgrade'), `hooks: ${hooks.join(',')}`);
  const { backoffLimit = 0, activeDeadlineSeconds = 0 } = (migrationJob?.spec ?? {}) as Record<
    string,
    number
  >;
  // The owner password changes at once; its Secret follows within OWNER_REFRESH_SECONDS.
  t.true(
    podBackOffSeconds(backoffLimit) > OWNER_REFRESH_SECONDS,
    `backoffLimit ${backoffLimit}: ${podBackOffSeconds(backoffLimit)} s of back-off`,
  );
  t.true(activeDeadlineSeconds > podBackOffSeconds(backoffLimit), 'the deadline leaves room for the retries');
  // Helm waits for its hooks within the release's timeout.
  t.true(release.timeout > activeDeadlineSeconds);
});
