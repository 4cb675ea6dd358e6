import { createServer } from 'node:net';
import test from 'ava';
import { freePort } from '../src/free-port.js';

test('freePort answers a loopback port that can be bound at once', async (t) => {
  const port = await freePort();
  t.true(port > 0 && port < 65_536);
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  t.pass();
});

test('freePort answers different ports to concurrent callers', async (t) => {
  const ports = await Promise.all(Array.from({ length: 5 }, () => freePort()));
  t.true(ports.every((port) => port > 0));
});
