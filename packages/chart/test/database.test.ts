import test from 'ava';
import { loadHelm } from './helpers/helm.js';
import { type EnvVar, ofKind, only, serverEnv } from './helpers/manifests.js';

const helm = await loadHelm();

test('the server gets every setting the service reads', async (t) => {
  const env = serverEnv(await helm.render());
  for (const name of [
    'PORT',
    'MANAGEMENT_PORT',
    'HOST',
    'STORE',
    'DATABASE_URL',
    'LOG_LEVEL',
    'SHUTDOWN_DELAY_MS',
    'SHUTDOWN_TIMEOUT_MS',
    'MAX_IN_FLIGHT',
  ]) {
    t.true(env.has(name), name);
  }
  t.is(env.get('PORT')?.value, '8080');
  t.is(env.get('MANAGEMENT_PORT')?.value, '8081');
  t.is(env.get('HOST')?.value, '0.0.0.0');
  t.is(env.get('MAX_IN_FLIGHT')?.value, '256');
  t.is(env.get('MAX_EVENT_LOOP_DELAY_MS')?.value, '200');
});

test('quick start: DATABASE_URL with its password comes from the existing Secret, never from values', async (t) => {
  const manifests = await helm.render({
    set: { 'database.existingSecret': 'rds-url', 'database.secretKey': 'url' },
  });
  const env = serverEnv(manifests);
  t.is(env.get('STORE')?.value, 'postgres');
  t.deepEqual(env.get('DATABASE_URL')?.valueFrom?.secretKeyRef, { name: 'rds-url', key: 'url' });
  t.false(ofKind(manifests, 'ConfigMap').some((m) => JSON.stringify(m.data).includes('postgres://')));
});

test('postgres without a Secret fails with a clear message', async (t) => {
  const error = await helm.renderError({ set: { 'database.existingSecret': '' } });
  t.regex(
    error,
    /store=postgres needs database\.url \(with database\.credentials\) or database\.existingSecret/,
  );
});

test('memory: STORE is set, no DATABASE_URL, no migration Job, one replica', async (t) => {
  const manifests = await helm.render({ set: { store: 'memory', replicaCount: 1 } });
  const env = serverEnv(manifests);
  t.is(env.get('STORE')?.value, 'memory');
  t.false(env.has('DATABASE_URL'));
  t.is(ofKind(manifests, 'Job').length, 0);
});

test('memory with several replicas is refused (each pod would have its own users)', async (t) => {
  const error = await helm.renderError({ set: { store: 'memory' } });
  t.regex(error, /store=memory keeps users inside each pod/);
});

test('the CA bundle is mounted read-only at /etc/ssl/db/ca.pem in the server and migration pods', async (t) => {
  const manifests = await helm.render({
    set: { 'database.caBundle.configMapName': 'rds-ca', 'database.caBundle.key': 'global-bundle.pem' },
  });
  for (const workload of [only(manifests, 'Deployment'), only(manifests, 'Job')]) {
    const spec = workload.spec.template.spec;
    const mount = spec.containers[0].volumeMounts.find(
      (m: { mountPath: string }) => m.mountPath === '/etc/ssl/db',
    );
    t.truthy(mount, workload.kind);
    t.is(mount.readOnly, true);
    const volume = spec.volumes.find((v: { name: string }) => v.name === mount.name);
    t.deepEqual(volume.configMap, { name: 'rds-ca', items: [{ key: 'global-bundle.pem', path: 'ca.pem' }] });
  }
});

test('no CA bundle volume unless asked for', async (t) => {
  const spec = only(await helm.render(), 'Deployment').spec.template.spec;
  t.false(JSON.stringify(spec).includes('/etc/ssl/db'));
});

test('migrations run as a pre-install/pre-upgrade hook Job with bounded retries and time', async (t) => {
  const job = only(await helm.render(), 'Job');
  const annotations = job.metadata.annotations ?? {};
  t.is(annotations['helm.sh/hook'], 'pre-install,pre-upgrade');
  t.is(annotations['helm.sh/hook-delete-policy'], 'before-hook-creation,hook-succeeded');
  t.is(job.spec.backoffLimit, 2);
  t.is(job.spec.activeDeadlineSeconds, 300);
  const spec = job.spec.template.spec;
  t.is(spec.restartPolicy, 'Never');
  const [container] = spec.containers;
  t.deepEqual(container.command, ['node', 'dist/migrate.js']);
  // Hooks run before the release's own ConfigMap/ServiceAccount exist: nothing may refer to them.
  t.is(container.envFrom, undefined);
  t.is(spec.serviceAccountName, undefined);
  const env = Object.fromEntries(container.env.map((v: EnvVar) => [v.name, v]));
  t.is(env.STORE.value, 'postgres');
  t.deepEqual(env.DATABASE_URL.valueFrom.secretKeyRef, { name: 'hello-database', key: 'DATABASE_URL' });
});

test('migrations can be switched off', async (t) => {
  t.is(ofKind(await helm.render({ set: { 'migrations.enabled': false } }), 'Job').length, 0);
});
