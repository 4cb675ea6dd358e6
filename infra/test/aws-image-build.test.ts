import { join } from 'node:path';
import test from 'ava';
import { REPO_ROOT } from '../paths.js';
import { MOCK_DIGEST } from './support/mocks.js';
import { named, single, TEST_IMAGE_TAG } from './support/run-stack.js';
import { stackRun } from './support/stack-runs.js';

const run = await stackRun('dev');
const REPOSITORY_URL = '123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello-dev';

test('the ECR repository has immutable tags, scans on push and keeps the 30 newest images', (t) => {
  t.like(single(run, 'aws:ecr/repository:Repository').inputs, {
    imageTagMutability: 'IMMUTABLE',
    imageScanningConfiguration: { scanOnPush: true },
  });
  const retention = JSON.parse(single(run, 'aws:ecr/lifecyclePolicy:LifecyclePolicy').inputs.policy);
  t.like(retention.rules[0], {
    selection: { tagStatus: 'any', countType: 'imageCountMoreThan', countNumber: 30 },
    action: { type: 'expire' },
  });
});

test('without a pinned image the service is built from its Dockerfile at the repo root and pushed', (t) => {
  const image = single(run, 'docker-build:index:Image').inputs;
  t.deepEqual(image.context, { location: REPO_ROOT });
  t.deepEqual(image.dockerfile, { location: join(REPO_ROOT, 'packages/service/Dockerfile') });
  t.true(image.push);
  t.deepEqual(image.tags, [`${REPOSITORY_URL}:${TEST_IMAGE_TAG}`]);
  t.deepEqual(image.platforms, ['linux/amd64']);
  t.is(image.registries[0].address, REPOSITORY_URL);
});

test('the chart deploys the built image by digest', (t) => {
  const values = named(run, 'kubernetes:helm.sh/v3:Release', 'hello').inputs.values;
  t.deepEqual(values.image, { repository: REPOSITORY_URL, digest: MOCK_DIGEST });
  t.is(run.outputs.imageDigest, MOCK_DIGEST);
});
