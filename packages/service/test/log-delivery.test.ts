import test from 'ava';
import { request } from 'undici';
import { startListeningService } from './helpers/service-process.js';

// Request lines are batched in 4 KiB (logger.ts): a quiet service must still deliver each one within
// about a second, not when the batch fills or the process exits.
test('a lone request line reaches stdout within about a second while the service keeps running', async (t) => {
  const { service, port } = await startListeningService();
  t.teardown(() => service.kill());
  const response = await request(`http://127.0.0.1:${port}/readyz`);
  await response.body.dump();
  const sentAt = Date.now();
  const line = await service.waitForLog(
    (entry) => entry.msg === 'request' && entry.route === '/readyz',
    2_500,
  );
  t.true(Date.now() - sentAt <= 2_500);
  t.is(service.child.exitCode, null, 'delivered by the flush timer, not by exiting');
  t.is(typeof line.time, 'number', 'time is epoch milliseconds');
  t.is(line.level, 'info');
});
