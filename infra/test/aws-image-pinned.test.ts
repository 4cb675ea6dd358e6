import test from 'ava';
import { CUSTOM_DOMAIN, PINNED_IMAGE } from './support/overrides.js';
import { named, ofType, single } from './support/run-stack.js';
import { stackRun } from './support/stack-runs.js';

const run = await stackRun('dev', CUSTOM_DOMAIN);

test('a pinned image in the stack config wins: nothing is built, that digest is deployed', (t) => {
  t.is(ofType(run, 'docker-build:index:Image').length, 0);
  const [repository, digest] = PINNED_IMAGE.split('@');
  t.deepEqual(named(run, 'kubernetes:helm.sh/v3:Release', 'hello').inputs.values.image, {
    repository,
    digest,
  });
  t.is(run.outputs.imageDigest, digest);
  t.truthy(single(run, 'aws:ecr/repository:Repository'));
});
