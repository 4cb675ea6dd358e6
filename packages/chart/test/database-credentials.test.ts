// CONTRACTS "Database credentials": DATABASE_URL as a plain value without credentials; the user and
// password as files from Secrets (server pods: the app role; migration Job: the owner role), mounted as
// whole volumes so the kubelet refreshes a rotated password; the server migrates at start only where
// no Job does it with the owner role.
import test from 'ava';
import { eks, minikube } from './helpers/fixtures.js';
import { type ChartInput, loadHelm, type Manifest } from './helpers/helm.js';
import { only, serverContainer } from './helpers/manifests.js';
import { restrictedViolations } from './helpers/pod-security.js';

const helm = await loadHelm();
const url =
  'postgres://hello-db.abc.eu-west-1.rds.amazonaws.com:5432/hello?sslmode=verify-full&sslrootcert=/etc/ssl/db/ca.pem';
const withFiles: ChartInput = {
  ...eks,
  set: { ...eks.set, 'database.caBundle.configMapName': 'rds-ca' },
  setString: {
    'database.url': url,
    'database.credentials.appSecret': 'hello-database-app',
    'database.credentials.ownerSecret': 'hello-database-owner',
  },
};

type Env = { name: string; value?: string; valueFrom?: unknown };
type Pod = {
  spec: Manifest['spec'];
  container: {
    env?: Env[];
    envFrom?: unknown[];
    volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
  };
};

function pods(manifests: Manifest[]): Record<'server' | 'migrations', Pod> {
  const deployment = only(manifests, 'Deployment');
  const job = only(manifests, 'Job');
  return {
    server: { spec: deployment.spec.template.spec, container: serverContainer(manifests) },
    migrations: { spec: job.spec.template.spec, container: job.spec.template.spec.containers[0] },
  };
}

/** The variables a container sees: the ConfigMap it loads (server only) and its own env. */
function environment(manifests: Manifest[], container: Pod['container']): Record<string, Env> {
  const env: Record<string, Env> = {};
  if (container.envFrom) {
    for (const [name, value] of Object.entries(only(manifests, 'ConfigMap').data as Record<string, string>))
      env[name] = { name, value };
  }
  for (const variable of container.env ?? []) env[variable.name] = variable;
  return env;
}

/** The Secret mounted at /var/run/secrets/database, and how. */
function credentialsMount(pod: Pod) {
  const mount = pod.container.volumeMounts?.find((m) => m.mountPath === '/var/run/secrets/database');
  const volume = pod.spec.volumes?.find((v: { name: string }) => v.name === mount?.name);
  return { mount, secret: volume?.secret };
}

test('server pods read the app role from files, the migration Job the owner role', async (t) => {
  const manifests = await helm.render(withFiles);
  const expected = { server: 'hello-database-app', migrations: 'hello-database-owner' };
  for (const [role, pod] of Object.entries(pods(manifests)) as [keyof typeof expected, Pod][]) {
    const { mount, secret } = credentialsMount(pod);
    t.truthy(mount, `${role} mounts the credentials`);
    t.is(mount?.readOnly, true);
    t.is(mount?.subPath, undefined, `${role}: a subPath mount would never see a rotated password`);
    t.is(secret?.secretName, expected[role]);
    t.deepEqual(secret?.items, [
      { key: 'username', path: 'username' },
      { key: 'password', path: 'password' },
    ]);
    const env = environment(manifests, pod.container);
    t.is(env.DATABASE_USER_FILE?.value, '/var/run/secrets/database/username', role);
    t.is(env.DATABASE_PASSWORD_FILE?.value, '/var/run/secrets/database/password', role);
    t.is(env.DATABASE_URL?.value, url, `${role}: DATABASE_URL is a plain value`);
    t.is(env.DATABASE_URL?.valueFrom, undefined);
    t.deepEqual(restrictedViolations(pod.spec), [], `${role} still meets Pod Security restricted`);
  }
  // Nothing secret in the ConfigMap: the URL carries no user or password.
  t.false(JSON.stringify(only(manifests, 'ConfigMap').data).includes('@'));
});

test('MIGRATE_ON_START is off on EKS, where the Job migrates, and on for plain Helm and minikube', async (t) => {
  const migrateOnStart = async (input: ChartInput) =>
    environment(await helm.render(input), serverContainer(await helm.render(input))).MIGRATE_ON_START?.value;
  t.is(await migrateOnStart(withFiles), 'false');
  t.is(await migrateOnStart(eks), 'false');
  t.is(await migrateOnStart({}), 'true');
  t.is(await migrateOnStart(minikube), 'true');
});

test('a changed URL rolls the pods: it is config, in the ConfigMap the checksum covers', async (t) => {
  const checksum = async (input: ChartInput) =>
    only(await helm.render(input), 'Deployment').spec.template.metadata.annotations['checksum/config'];
  const other = {
    ...withFiles,
    setString: { ...withFiles.setString, 'database.url': `${url}&application_name=x` },
  };
  t.not(await checksum(other), await checksum(withFiles));
});

test('refused: app credentials without owner credentials for the Job, and nothing that migrates', async (t) => {
  t.regex(
    await helm.renderError({ setString: { 'database.url': url, 'database.credentials.appSecret': 'app' } }),
    /the migration Job needs the owner role's credentials/,
  );
  t.regex(
    await helm.renderError({ set: { 'migrations.enabled': false, 'migrations.onServerStart': false } }),
    /nothing would migrate the schema/,
  );
  t.regex(
    await helm.renderError({ setString: { 'database.url': 'postgres://u:p@host/db' } }),
    /\/database\/url/,
  );
});

test('without credential Secrets nothing is mounted and the quick-start Secret gives DATABASE_URL', async (t) => {
  const manifests = await helm.render();
  for (const pod of Object.values(pods(manifests))) {
    t.is(credentialsMount(pod).mount, undefined);
    t.deepEqual(environment(manifests, pod.container).DATABASE_URL?.valueFrom, {
      secretKeyRef: { name: 'hello-database', key: 'DATABASE_URL' },
    });
  }
});

test('NOTES.txt names the credential Secrets to create', async (t) => {
  const notes = await helm.notes(withFiles);
  t.true(notes.includes('create secret generic hello-database-app --from-literal=username=USER'));
});

test('values-eks.yaml without the database the program passes fails to render: no whole-URL Secret on EKS', async (t) => {
  const { 'database.url': _, ...withoutUrl } = eks.set ?? {};
  t.regex(
    await helm.renderError({ ...eks, set: withoutUrl }),
    /store=postgres needs database\.url \(with database\.credentials\)/,
  );
});
