import test from 'ava';
import { parse, parseAllDocuments } from 'yaml';
import { type KubeObject, playManifests, splitRendered } from '../src/kube-play.js';

const container = (name: string) => ({
  name,
  image: 'localhost/high-available-server:image-test',
  ports: [{ name: 'http', containerPort: 18080, protocol: 'TCP' }],
});
const objects: KubeObject[] = [
  { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'rel-has' }, data: { PORT: '18080' } },
  { apiVersion: 'v1', kind: 'Service', metadata: { name: 'rel-has' }, spec: {} },
  {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'rel-has' },
    spec: {
      replicas: 1,
      template: { metadata: { labels: { app: 'has' } }, spec: { containers: [container('server')] } },
    },
  },
  {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: 'rel-has-migrations' },
    spec: { template: { spec: { restartPolicy: 'Never', containers: [container('migrate')] } } },
  },
];

test('the ConfigMap, Deployment and migration Job are played; everything else is listed', (t) => {
  const rendered = splitRendered(objects);
  t.is(rendered.deployment.kind, 'Deployment');
  t.is(rendered.migrationJob?.metadata?.name, 'rel-has-migrations');
  t.deepEqual(rendered.notPlayed, ['Service/rel-has']);
});

test('the played Deployment runs on the host network without port mappings', (t) => {
  const { server } = playManifests(splitRendered(objects));
  const documents = parseAllDocuments(server).map((document) => document.toJS());
  t.deepEqual(
    documents.map((document) => document.kind),
    ['ConfigMap', 'Deployment'],
  );
  const spec = documents[1].spec.template.spec;
  t.true(spec.hostNetwork);
  t.is(spec.containers[0].ports, undefined);
  t.is(spec.containers[0].name, 'server');
});

test('the migration Job becomes a run-once Pod of its template', (t) => {
  const { migration } = playManifests(splitRendered(objects));
  const pod = parse(migration?.yaml ?? '');
  t.is(pod.kind, 'Pod');
  t.is(pod.metadata.name, 'rel-has-migrations');
  t.is(pod.spec.restartPolicy, 'Never');
  t.true(pod.spec.hostNetwork);
});

test('the rendered objects themselves are left untouched', (t) => {
  const rendered = splitRendered(structuredClone(objects));
  playManifests(rendered);
  const template = rendered.deployment.spec?.template as { spec: { hostNetwork?: boolean } };
  const spec = template.spec;
  t.is(spec.hostNetwork, undefined);
});
