import test from 'ava';
import { hardenedRunArgs } from '../src/container.js';

const container = {
  name: 'c',
  image: 'img',
  env: { PORT: '18080' },
  memory: '256m',
  tmpSizeMb: 64,
};

test('runs as uid 1000 with a read-only root, a /tmp tmpfs, no capabilities and no privilege escalation', (t) => {
  const args = hardenedRunArgs('docker', container);
  t.is(args[args.indexOf('--user') + 1], '1000:1000');
  t.true(args.includes('--read-only'));
  t.regex(args[args.indexOf('--tmpfs') + 1] ?? '', /^\/tmp:rw,.*size=64m/);
  t.is(args[args.indexOf('--cap-drop') + 1], 'ALL');
  t.is(args[args.indexOf('--security-opt') + 1], 'no-new-privileges');
  t.is(args[args.indexOf('--memory') + 1], '256m');
  t.true(args.includes('PORT=18080'));
  t.is(args.at(-1), 'img');
});

test('podman gets no extra writable tmpfs besides /tmp', (t) => {
  t.true(hardenedRunArgs('podman', container).includes('--read-only-tmpfs=false'));
  t.false(hardenedRunArgs('docker', container).includes('--read-only-tmpfs=false'));
});

test('a command override follows the image', (t) => {
  const args = hardenedRunArgs('podman', { ...container, command: ['node', 'dist/migrate.js'] });
  t.deepEqual(args.slice(-3), ['img', 'node', 'dist/migrate.js']);
});
