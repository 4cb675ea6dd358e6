import test from 'ava';
import { buildArgs } from '../src/build.js';

const base = {
  kind: 'podman' as const,
  dockerfile: '/r/packages/service/Dockerfile',
  contextDir: '/r',
  baseImage: 'localhost/hasrv-node-base:20-bookworm-abc',
  tag: 'localhost/high-available-server:image-test',
  registry: 'https://registry.npmjs.org/',
  revision: 'abc123',
};

test('builds the real Dockerfile from the repository root with the base as a build argument', (t) => {
  const args = buildArgs(base);
  t.is(args[0], 'build');
  t.is(args.at(-1), '/r');
  t.true(args.includes('/r/packages/service/Dockerfile'));
  t.true(args.includes('BASE_IMAGE=localhost/hasrv-node-base:20-bookworm-abc'));
  t.true(args.includes('REVISION=abc123'));
  t.is(args[args.indexOf('--network') + 1], 'host');
});

test('a local base is never pulled; a registry base may be', (t) => {
  t.true(buildArgs(base).includes('--pull=never'));
  t.false(buildArgs({ ...base, baseImage: 'node:24.22.3-bookworm-slim' }).includes('--pull=never'));
  t.false(buildArgs({ ...base, kind: 'docker' }).includes('--pull=never'));
});

test('the npm registry is passed only when it is not the default one', (t) => {
  t.false(buildArgs(base).some((arg) => arg.startsWith('NPM_CONFIG_REGISTRY=')));
  t.false(
    buildArgs({ ...base, registry: 'https://registry.npmjs.org' }).some((arg) =>
      arg.startsWith('NPM_CONFIG'),
    ),
  );
  t.true(
    buildArgs({ ...base, registry: 'https://npm.internal/' }).includes(
      'NPM_CONFIG_REGISTRY=https://npm.internal/',
    ),
  );
});
