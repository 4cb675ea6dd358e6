import test from 'ava';
import { parseImageReference } from '../image-reference.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

test('repository and digest', (t) => {
  t.deepEqual(parseImageReference(`123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello@${DIGEST}`), {
    repository: '123456789012.dkr.ecr.eu-west-1.amazonaws.com/hello',
    digest: DIGEST,
  });
});

test('a tag next to the digest is kept, a registry port is not mistaken for one', (t) => {
  t.deepEqual(parseImageReference(`localhost:5000/team/hello:v1@${DIGEST}`), {
    repository: 'localhost:5000/team/hello',
    tag: 'v1',
    digest: DIGEST,
  });
  t.deepEqual(parseImageReference(`localhost:5000/hello@${DIGEST}`), {
    repository: 'localhost:5000/hello',
    digest: DIGEST,
  });
});

test('references without a valid digest are refused', (t) => {
  t.throws(() => parseImageReference('hello:latest'), { message: /no @sha256: digest/ });
  t.throws(() => parseImageReference('hello@sha256:abc'), { message: /invalid digest/ });
});
