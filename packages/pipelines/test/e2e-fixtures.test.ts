import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadHelm } from '@high-available-server/chart/helm';
import test from 'ava';
import semver from 'semver';
import { parse, parseAllDocuments } from 'yaml';
import { loadRepository } from '../src/repository.js';
import { type Step, stepUses } from '../src/workflows.js';

// The kind job (e2e.yml › chart-on-kind) covers what no test here can run: a real cluster that
// enforces NetworkPolicy and Pod Security, an upgrade, and a rolling restart under load. Nothing
// runs it here, so its pieces are checked against each other and against the chart.

const repo = loadRepository();
const read = (path: string) => readFileSync(join(repo.root, path), 'utf8');
const e2e = repo.workflows.find((file) => file.name === 'e2e.yml');
const kindJob = e2e?.workflow.jobs['chart-on-kind'];
const steps = kindJob?.steps ?? [];
const env = (name: string) => String(kindJob?.env?.[name] ?? '');
const scripts = steps.map((step) => (step.run ?? '').replace(/\\\n\s*/g, ' '));
const indexOf = (pattern: RegExp) => scripts.findIndex((script) => pattern.test(script));

test('the load goes to the host port the kind cluster maps to the NodePort', (t) => {
  const kind = parse(read('.github/e2e/kind-cluster.yaml')) as {
    nodes: { extraPortMappings?: { containerPort: number; hostPort: number; listenAddress?: string }[] }[];
  };
  const mapping = kind.nodes.flatMap((node) => node.extraPortMappings ?? [])[0];
  t.truthy(mapping, 'no extraPortMappings');
  t.is(mapping?.listenAddress, '127.0.0.1', 'only the runner itself reaches the cluster');
  t.is(env('BASE_URL'), `http://127.0.0.1:${mapping?.hostPort}`);
  t.true(scripts.some((script) => script.includes(`/nodePort","value":${mapping?.containerPort}}`)));
});

/** The in-cluster PostgreSQL of the job: its credentials (the image's env) and its Service. */
function postgresFixture() {
  const docs = parseAllDocuments(read('.github/e2e/postgres.yaml')).map(
    (doc) => doc.toJS() as { kind: string; metadata: { name: string }; stringData?: Record<string, string> },
  );
  const env = docs.find((doc) => doc.kind === 'Secret')?.stringData ?? {};
  return {
    user: env.POSTGRES_USER,
    password: env.POSTGRES_PASSWORD,
    database: env.POSTGRES_DB,
    service: docs.find((doc) => doc.kind === 'Service')?.metadata.name,
  };
}

/** The Secrets the job creates in the app namespace: name → the literal keys and values. */
function createdSecrets(): Map<string, Record<string, string>> {
  const created = new Map<string, Record<string, string>>();
  for (const script of scripts) {
    for (const match of script.matchAll(
      /kubectl -n "\$NAMESPACE" create secret generic (\S+)((?:\s+--from-literal=\S+)+)/g,
    )) {
      const literals = [...(match[2] ?? '').matchAll(/--from-literal=([^=\s]+)=(\S+)/g)];
      created.set(match[1] ?? '', Object.fromEntries(literals.map((l) => [l[1], l[2]])));
    }
  }
  return created;
}

interface PodSpec {
  volumes?: { name: string; secret?: { secretName: string; items?: { key: string }[] } }[];
  containers: {
    env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string } } }[];
    envFrom?: { secretRef?: { name: string } }[];
  }[];
}

/** The chart as the kind job installs it: its values files and image settings. */
async function renderKindRelease() {
  const helm = await loadHelm();
  return helm.render({
    externalValuesFiles: valuesFiles(helmRuns[0]?.script ?? '').map((file) => join(repo.root, file)),
    set: { 'image.repository': 'e2e/high-available-server', 'image.tag': 'e2e' },
  });
}

test('every Secret the rendered chart reads is created by the job, with the keys its pods read', async (t) => {
  const needed = new Map<string, Set<string>>();
  const need = (secret: string, keys: string[]) =>
    needed.set(secret, new Set([...(needed.get(secret) ?? []), ...keys]));
  for (const manifest of await renderKindRelease()) {
    const pod = (manifest.spec?.template?.spec ?? (manifest.kind === 'Pod' ? manifest.spec : undefined)) as
      | PodSpec
      | undefined;
    for (const volume of pod?.volumes ?? []) {
      if (volume.secret)
        need(
          volume.secret.secretName,
          (volume.secret.items ?? []).map((item) => item.key),
        );
    }
    for (const container of pod?.containers ?? []) {
      for (const variable of container.env ?? []) {
        const ref = variable.valueFrom?.secretKeyRef;
        if (ref) need(ref.name, [ref.key]);
      }
      for (const source of container.envFrom ?? []) if (source.secretRef) need(source.secretRef.name, []);
    }
  }
  t.true(needed.size > 0, 'the chart reads no Secret: the check below would prove nothing');
  const created = createdSecrets();
  for (const [secret, keys] of needed) {
    t.true(created.has(secret), `the chart reads Secret ${secret}; the job creates ${[...created.keys()]}`);
    for (const key of keys) t.true(key in (created.get(secret) ?? {}), `${secret} lacks key ${key}`);
  }
});

test('the credentials in those Secrets and the DATABASE_URL the pods get reach the in-cluster PostgreSQL', async (t) => {
  const postgres = postgresFixture();
  t.true(scripts.some((script) => /-n "\$DB_NAMESPACE" apply -f \.github\/e2e\/postgres\.yaml/.test(script)));
  for (const [secret, literals] of createdSecrets()) {
    t.deepEqual(literals, { username: postgres.user, password: postgres.password }, secret);
  }
  const urls = new Set<string>();
  for (const manifest of await renderKindRelease()) {
    if (manifest.kind === 'ConfigMap' && manifest.data?.DATABASE_URL) urls.add(manifest.data.DATABASE_URL);
    const pod = manifest.spec?.template?.spec as PodSpec | undefined;
    for (const container of pod?.containers ?? [])
      for (const variable of container.env ?? [])
        if (variable.name === 'DATABASE_URL') urls.add(variable.value ?? '');
  }
  t.is(urls.size, 1, `one DATABASE_URL for servers and migration Job: ${[...urls]}`);
  const url = new URL([...urls][0] ?? '');
  t.is(url.username, '', 'no user in the URL: it comes from the Secret files');
  t.is(url.password, '', 'no password in the URL');
  t.is(url.hostname, `${postgres.service}.${env('DB_NAMESPACE')}.svc`);
  t.is(url.port, '5432');
  t.is(url.pathname, `/${postgres.database}`);
});

test('kind is a version that enforces NetworkPolicy (>= 0.24)', (t) => {
  const create = steps.find((step) => stepUses(step, 'helm/kind-action'));
  const version = semver.coerce(String(create?.with?.version ?? ''));
  t.true(version !== null && semver.gte(version, '0.24.0'), `kind ${String(create?.with?.version)}`);
});

// `kind load docker-image` fails when Docker uses the containerd image store (kind#3795, #4066).
test('images reach the nodes as an archive of the runner platform, never with kind load docker-image', (t) => {
  t.false(scripts.some((script) => /\bkind\s+load\s+docker-image\b/.test(script)));
  const load = scripts.find((script) => /\bkind\s+load\s+image-archive\b/.test(script)) ?? '';
  const archive = /kind\s+load\s+image-archive\s+(\S+)/.exec(load)?.[1];
  t.truthy(archive);
  t.regex(load, /docker\s+image\s+save\s+--platform\s+"\$platform"\s+--output\s+(\S+)/);
  t.is(/docker\s+image\s+save\s+--platform\s+\S+\s+--output\s+(\S+)/.exec(load)?.[1], archive);
  for (const tag of ['IMAGE_TAG', 'IMAGE_TAG_NEXT'])
    t.true(load.includes(`"$IMAGE_REPOSITORY:$${tag}"`), tag);
});

/** Values files a `helm install|upgrade` of the kind job passes, in order. */
function valuesFiles(script: string): string[] {
  return [...script.matchAll(/--values\s+(\S+)/g)].map((match) => match[1] ?? '');
}

const helmRuns = steps.flatMap((step: Step, index) =>
  /\bhelm\s+upgrade\b/.test(scripts[index] ?? '') ? [{ index, script: scripts[index] ?? '', step }] : [],
);

test('the chart is installed, then upgraded to another image tag (the migration hook runs again)', (t) => {
  t.is(helmRuns.length, 2);
  const [install, upgrade] = helmRuns;
  t.regex(install?.script ?? '', /--install/);
  t.regex(install?.script ?? '', /--set image\.tag="\$IMAGE_TAG"/);
  t.regex(upgrade?.script ?? '', /--set image\.tag="\$IMAGE_TAG_NEXT"/);
  t.not(env('IMAGE_TAG'), env('IMAGE_TAG_NEXT'));
  t.regex(upgrade?.script ?? '', /--reuse-values/, 'the upgrade keeps the install values');
});

test('the values files the kind job passes render with the real chart (schema and its own checks), NetworkPolicy on', async (t) => {
  const files = valuesFiles(helmRuns[0]?.script ?? '');
  t.true(files.includes('.github/e2e/values-e2e.yaml'));
  const helm = await loadHelm();
  // helm validates the values against values.schema.json and runs the chart's `fail` checks, as on kind.
  const manifests = await helm.render({
    externalValuesFiles: files.map((file) => join(repo.root, file)),
    set: { 'image.repository': 'e2e/high-available-server', 'image.tag': 'e2e' },
  });
  t.true(
    manifests.some((manifest) => manifest.kind === 'NetworkPolicy'),
    'the kind job must enforce a NetworkPolicy',
  );
});

test('the app namespace enforces Pod Security restricted before the chart is installed, and that is probed', (t) => {
  const label = indexOf(
    /kubectl label namespace "\$NAMESPACE"[^\n]*pod-security\.kubernetes\.io\/enforce=restricted/,
  );
  t.true(label !== -1, 'namespace not labelled');
  t.true(label < (helmRuns[0]?.index ?? -1), 'labelled after the install');
  // A privileged Pod must be refused by the API server (dry run), or the label enforces nothing.
  t.regex(
    scripts[label] ?? '',
    /if kubectl -n "\$NAMESPACE" apply --dry-run=server[\s\S]*privileged: true[\s\S]*exit 1/,
  );
});

test('a connection the NetworkPolicy forbids must fail, with an allowed one as control', (t) => {
  const probe = indexOf(/kubectl -n "\$NAMESPACE" exec "deployment\/\$DEPLOYMENT"/);
  t.true(probe > (helmRuns[0]?.index ?? Number.POSITIVE_INFINITY), 'no probe after the install');
  const script = scripts[probe] ?? '';
  t.regex(script, /\nconnect "postgres\.\$DB_NAMESPACE\.svc\.cluster\.local" 5432\n/, 'allowed control');
  t.regex(script, /if connect kubernetes\.default\.svc\.cluster\.local 443; then[\s\S]*exit 1/, 'forbidden');
});

test('the rolling restart runs under load, and a rollout timeout prints the load log', (t) => {
  const restart = scripts.find((script) => /rollout restart/.test(script)) ?? '';
  t.regex(restart, /ha load[^\n]*> load\.log 2>&1 &/);
  t.regex(restart, /if ! kubectl[^\n]*rollout status[^\n]*; then\n(?:[^\n]*\n)*?\s*cat load\.log\n/);
});
