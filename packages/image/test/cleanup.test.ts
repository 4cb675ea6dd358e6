import test from 'ava';
import { Cleanup } from '../src/cleanup.js';

test('undo steps run newest first, all of them, even when one fails, and only once', async (t) => {
  const ran: string[] = [];
  const logged: string[] = [];
  const cleanup = new Cleanup((line) => logged.push(line));
  cleanup.add('postgres', async () => {
    ran.push('postgres');
  });
  cleanup.add('container', async () => {
    throw new Error('stuck');
  });
  cleanup.add('pod', async () => {
    ran.push('pod');
  });
  await cleanup.runAll();
  await cleanup.runAll();
  t.deepEqual(ran, ['pod', 'postgres']);
  t.deepEqual(logged, ['cleanup of container failed: stuck']);
});
