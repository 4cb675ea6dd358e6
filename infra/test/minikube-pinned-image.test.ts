import test from 'ava';
import { named, ofType } from './support/run-stack.js';
import { stackRun } from './support/stack-runs.js';

const PINNED = `ghcr.io/example/high-available-server@sha256:${'f'.repeat(64)}`;
const run = await stackRun('minikube', { 'high-available-server:image': PINNED });

test('on minikube a pinned image is pulled by digest instead of being built', (t) => {
  t.is(ofType(run, 'command:local:Command').length, 0);
  t.deepEqual(named(run, 'kubernetes:helm.sh/v3:Release', 'hello').inputs.values.image, {
    repository: 'ghcr.io/example/high-available-server',
    digest: `sha256:${'f'.repeat(64)}`,
    pullPolicy: 'IfNotPresent',
  });
});
