// The App component with the credential design of CONTRACTS.md ("Database credentials"), before the
// stacks wire it: the Release it registers, rendered through the real chart, gives the server pods the
// app role's Secret and the migration Job the owner role's, as files, and DATABASE_URL as a value.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chartDir } from '@high-available-server/chart';
import { loadHelm, type Manifest } from '@high-available-server/chart/helm';
import * as pulumi from '@pulumi/pulumi';
import test from 'ava';
import { createMocks, type Registration } from './support/mocks.js';

const URL =
  'postgres://hello-prod-db.abc.eu-west-1.rds.amazonaws.com:5432/hello?sslmode=verify-full&sslrootcert=/etc/ssl/db/ca.pem';
const TARGET_GROUP_ARN =
  'arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup/hello-prod-pods/0123456789abcdef';

const registrations: Registration[] = [];
await pulumi.runtime.setMocks(createMocks(registrations), 'high-available-server', 'prod', false);
const k8s = await import('@pulumi/kubernetes');
const { App } = await import('../components/app.js');

new App('hello', {
  chartDir,
  valuesFile: 'values-eks.yaml',
  namespace: 'hello',
  provider: new k8s.Provider('cluster', {}),
  image: {
    repository: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello',
    digest: `sha256:${'d'.repeat(64)}`,
  },
  database: {
    url: URL,
    appSecretName: 'hello-database-app',
    ownerSecretName: 'hello-database-owner',
    caBundle: { configMapName: 'rds-ca-bundle', key: 'ca.pem' },
  },
  targetGroupArn: TARGET_GROUP_ARN,
  dependsOn: [],
});
await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
const registered = registrations.find((r) => r.type === 'kubernetes:helm.sh/v3:Release');
if (!registered) throw new Error('App registered no Helm release');
/** Inputs with their promises (the values files' asset paths) resolved. */
async function settle(value: unknown): Promise<unknown> {
  const resolved = await value;
  if (Array.isArray(resolved)) return Promise.all(resolved.map(settle));
  if (resolved === null || typeof resolved !== 'object') return resolved;
  const entries = await Promise.all(Object.entries(resolved).map(async ([k, v]) => [k, await settle(v)]));
  return Object.fromEntries(entries);
}
// biome-ignore lint/suspicious/noExplicitAny: provider inputs are free-form; tests assert on their shape.
const release = (await settle(registered.inputs)) as Record<string, any>;

async function render(t: { teardown(fn: () => Promise<void>): void }): Promise<Manifest[]> {
  const dir = await mkdtemp(join(tmpdir(), 'infra-app-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const values = join(dir, 'values.json');
  await writeFile(values, JSON.stringify(release.values));
  const helm = await loadHelm();
  return helm.render({
    externalValuesFiles: [...release.valueYamlFiles.map((a: { path: string }) => a.path), values],
  });
}

function secretAt(
  spec: Manifest['spec'],
  container: { volumeMounts?: { name: string; mountPath: string }[] },
) {
  const mount = container.volumeMounts?.find((m) => m.mountPath === '/var/run/secrets/database');
  return spec.volumes?.find((v: { name: string }) => v.name === mount?.name)?.secret?.secretName;
}

test('the release passes the URL and the two credential Secrets, nothing else about the database', (t) => {
  t.deepEqual(release.values.database, {
    url: URL,
    credentials: { appSecret: 'hello-database-app', ownerSecret: 'hello-database-owner' },
    caBundle: { configMapName: 'rds-ca-bundle', key: 'ca.pem' },
  });
});

test('rendered: servers use the app role, the migration Job the owner role, both from files', async (t) => {
  const manifests = await render(t);
  const deployment = manifests.find((m) => m.kind === 'Deployment');
  const job = manifests.find((m) => m.kind === 'Job');
  const server = deployment?.spec.template.spec.containers.find((c: { name: string }) => c.name === 'server');
  t.is(secretAt(deployment?.spec.template.spec, server), 'hello-database-app');
  t.is(secretAt(job?.spec.template.spec, job?.spec.template.spec.containers[0]), 'hello-database-owner');
  const config = manifests.find((m) => m.kind === 'ConfigMap')?.data;
  t.like(config, {
    DATABASE_URL: URL,
    DATABASE_PASSWORD_FILE: '/var/run/secrets/database/password',
    MIGRATE_ON_START: 'false',
  });
});
