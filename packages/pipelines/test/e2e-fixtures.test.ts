import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import test from 'ava';
import { parse, parseAllDocuments } from 'yaml';
import { loadRepository } from '../src/repository.js';

// The kind job wires three files together: the kind config (host port), the PostgreSQL manifest
// (credentials) and e2e.yml (BASE_URL, DATABASE_URL). Nothing runs them here, so they are
// compared instead.

const repo = loadRepository();
const e2e = repo.workflows.find((file) => file.name === 'e2e.yml');
const kindJob = e2e?.workflow.jobs['chart-on-kind'];
const steps = kindJob?.steps ?? [];

test('the load goes to the host port the kind cluster maps to the NodePort', (t) => {
  const kind = parse(readFileSync(join(repo.root, '.github/e2e/kind-cluster.yaml'), 'utf8')) as {
    nodes: {
      role: string;
      extraPortMappings?: { containerPort: number; hostPort: number; listenAddress?: string }[];
    }[];
  };
  const mapping = kind.nodes.flatMap((node) => node.extraPortMappings ?? [])[0];
  t.truthy(mapping, 'no extraPortMappings');
  t.is(mapping?.listenAddress, '127.0.0.1', 'only the runner itself reaches the cluster');
  t.is(kindJob?.env?.BASE_URL, `http://127.0.0.1:${mapping?.hostPort}`);
  const expose = steps.find(
    (step) => (step.run ?? '').includes('kubectl') && (step.run ?? '').includes('nodePort'),
  );
  t.regex(expose?.run ?? '', new RegExp(`/nodePort","value":${mapping?.containerPort}\\b`));
});

test('DATABASE_URL in e2e.yml matches the credentials of the in-cluster PostgreSQL', (t) => {
  const docs = parseAllDocuments(readFileSync(join(repo.root, '.github/e2e/postgres.yaml'), 'utf8')).map(
    (doc) => doc.toJS() as { kind: string; metadata: { name: string }; stringData?: Record<string, string> },
  );
  const secret = docs.find((doc) => doc.kind === 'Secret');
  const service = docs.find((doc) => doc.kind === 'Service');
  const creds = secret?.stringData ?? {};
  const expected = `postgres://${creds.POSTGRES_USER}:${creds.POSTGRES_PASSWORD}@${service?.metadata.name}.$NAMESPACE.svc:5432/${creds.POSTGRES_DB}`;
  const create = steps.find((step) => (step.run ?? '').includes('DATABASE_URL='));
  t.true((create?.run ?? '').includes(expected), `expected ${expected} in:\n${create?.run ?? '(no step)'}`);
});
