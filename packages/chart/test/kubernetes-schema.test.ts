import test from 'ava';
import { shippedInputs } from './helpers/fixtures.js';
import { loadHelm } from './helpers/helm.js';
import { createKubernetesValidators, validateManifest } from './helpers/kubernetes-schema.js';
import { only } from './helpers/manifests.js';

const helm = await loadHelm();
const validators = createKubernetesValidators();

for (const [name, input] of Object.entries(shippedInputs)) {
  test(`every rendered object is valid against its Kubernetes schema (${name})`, async (t) => {
    const manifests = await helm.render(input);
    t.true(manifests.length > 0);
    for (const manifest of manifests) {
      t.notThrows(() => validateManifest(validators, manifest), `${manifest.kind}/${manifest.metadata.name}`);
    }
  });
}

test('the validators reject a broken Deployment (they can fail)', async (t) => {
  const deployment = structuredClone(only(await helm.render(), 'Deployment'));
  deployment.spec.replicas = 'three';
  t.throws(() => validateManifest(validators, deployment), { message: /replicas must be integer/ });
});

test('the pinned TargetGroupBinding schema rejects wrong and unknown fields', async (t) => {
  const binding = only(await helm.render(shippedInputs['everything on']), 'TargetGroupBinding');
  const wrongType = structuredClone(binding);
  wrongType.spec.targetType = 'pod';
  t.throws(() => validateManifest(validators, wrongType), { message: /allowed values/ });
  const unknownField = structuredClone(binding);
  unknownField.spec.targetGroupArn = unknownField.spec.targetGroupARN;
  t.throws(() => validateManifest(validators, unknownField), { message: /additional properties/ });
});

test('an object kind without a schema is reported, not skipped', (t) => {
  t.throws(
    () =>
      validateManifest(validators, { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { name: 'w' } }),
    {
      message: /no schema for example\.com\/v1\/Widget/,
    },
  );
});
