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

test('DATABASE_URL matches the credentials and the Service of the in-cluster PostgreSQL', (t) => {
  const docs = parseAllDocuments(read('.github/e2e/postgres.yaml')).map(
    (doc) => doc.toJS() as { kind: string; metadata: { name: string }; stringData?: Record<string, string> },
  );
  const creds = docs.find((doc) => doc.kind === 'Secret')?.stringData ?? {};
  const service = docs.find((doc) => doc.kind === 'Service')?.metadata.name;
  const expected = `postgres://${creds.POSTGRES_USER}:${creds.POSTGRES_PASSWORD}@${service}.$DB_NAMESPACE.svc:5432/${creds.POSTGRES_DB}`;
  t.true(
    scripts.some((script) => script.includes(`DATABASE_URL="${expected}"`)),
    `expected ${expected}`,
  );
  t.true(scripts.some((script) => /-n "\$DB_NAMESPACE" apply -f \.github\/e2e\/postgres\.yaml/.test(script)));
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
