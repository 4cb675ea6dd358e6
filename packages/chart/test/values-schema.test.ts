import { readFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { isMap, isScalar, parseDocument, type YAMLMap } from 'yaml';
import { chartDir, loadHelm } from './helpers/helm.js';

const helm = await loadHelm();

const rejected: [string, Record<string, string | number | boolean>, RegExp][] = [
  ['an unknown top-level key', { replicas: 3 }, /additional properties 'replicas' not allowed/],
  [
    'an unknown nested key',
    { 'shutdown.preStopSeconds': 10 },
    /additional properties 'preStopSeconds' not allowed/,
  ],
  ['replicaCount 0', { replicaCount: 0 }, /\/replicaCount/],
  ['replicaCount as a word', { replicaCount: 'three' }, /\/replicaCount/],
  ['store pglite (writes to a read-only disk)', { store: 'pglite' }, /\/store/],
  ['a boolean given as a word', { 'networkPolicy.enabled': 'yes' }, /\/networkPolicy\/enabled/],
  ['a malformed digest', { 'image.digest': 'sha256:nothex' }, /\/image\/digest/],
  ['a bad pull policy', { 'image.pullPolicy': 'Sometimes' }, /\/image\/pullPolicy/],
  ['autoscaling below 3 replicas', { 'autoscaling.minReplicas': 2 }, /\/autoscaling\/minReplicas/],
  [
    'a topology spread typo',
    { 'topologySpread.zone.whenUnsatisfiable': 'DoNotScheduled' },
    /whenUnsatisfiable/,
  ],
  [
    'a target group that is not an ARN',
    { 'targetGroupBinding.targetGroupArn': 'hello-tg' },
    /targetGroupArn/,
  ],
  ['a security group that is not an id', { 'targetGroupBinding.securityGroupId': 'alb' }, /securityGroupId/],
  ['a negative shutdown delay', { 'shutdown.delayMs': -1 }, /\/shutdown\/delayMs/],
  ['a privileged container port', { containerPort: 80 }, /\/containerPort/],
  ['an unknown log level', { logLevel: 'verbose' }, /\/logLevel/],
];

for (const [what, set, message] of rejected) {
  test(`the schema rejects ${what}`, async (t) => {
    const error = await helm.renderError({ set });
    t.regex(error, /values don't meet the specifications of the schema/);
    t.regex(error, message);
  });
}

test('the schema rejects a wrong type given as a string', async (t) => {
  const error = await helm.renderError({ setString: { 'service.port': '80' } });
  t.regex(error, /\/service\/port/);
});

test('pglite is refused even from a values file', async (t) => {
  const error = await helm.renderError({ valuesFiles: ['values-minikube.yaml'], set: { store: 'pglite' } });
  t.regex(error, /value must be one of 'postgres', 'memory'/);
});

async function valuesDocument(file: string) {
  return parseDocument(await readFile(path.join(chartDir, file), 'utf8'));
}

/** Keys of a YAML map that have no comment directly above them, nor above a parent key. */
function undocumentedKeys(map: YAMLMap, prefix = ''): string[] {
  return map.items.flatMap((pair, index) => {
    const key = isScalar(pair.key) ? String(pair.key.value) : '?';
    const name = prefix ? `${prefix}.${key}` : key;
    // The yaml parser hangs a comment above a nested map's first key on the map itself.
    const documented =
      Boolean((pair.key as { commentBefore?: string }).commentBefore) ||
      (index === 0 && Boolean(map.commentBefore));
    if (documented) return [];
    // An undocumented group is fine when each of its keys is documented.
    if (isMap(pair.value) && pair.value.items.length > 0) return undocumentedKeys(pair.value, name);
    return [name];
  });
}

for (const file of ['values.yaml', 'values-minikube.yaml', 'values-eks.yaml']) {
  test(`every value in ${file} has a comment above it`, async (t) => {
    const document = await valuesDocument(file);
    t.true(isMap(document.contents));
    t.deepEqual(undocumentedKeys(document.contents as YAMLMap), []);
  });
}

test('the schema and values.yaml describe the same top-level keys', async (t) => {
  const schema = JSON.parse(await readFile(path.join(chartDir, 'values.schema.json'), 'utf8'));
  const values = (await valuesDocument('values.yaml')).toJS() as Record<string, unknown>;
  const schemaKeys = Object.keys(schema.properties).filter((key) => key !== 'global');
  t.deepEqual(schemaKeys.sort(), Object.keys(values).sort());
  t.is(schema.additionalProperties, false);
});
