import { type ClientRequest, type IncomingMessage, request } from 'node:http';
import { connect } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { startListeningService } from './helpers/service-process.js';

const BODY = '{"dateOfBirth":"1990-05-17"}';

/** A PUT whose body is sent in two halves; the second half only when `finish()` is called. */
function slowPut(port: number): { finish(): void; response: Promise<IncomingMessage> } {
  let req: ClientRequest | undefined;
  const response = new Promise<IncomingMessage>((resolve, reject) => {
    req = request({
      host: '127.0.0.1',
      port,
      method: 'PUT',
      path: '/hello/Slowpoke',
      headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(BODY) },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res));
    });
    req.on('error', reject);
    req.write(BODY.slice(0, 10));
  });
  return { finish: () => req?.end(BODY.slice(10)), response };
}

function get(port: number, path: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    request({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res));
    })
      .on('error', reject)
      .end();
  });
}

function connectionRefused(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED'));
  });
}

test.serial(
  'SIGTERM: not ready at once, serves during the delay, drains the in-flight request, exits 0',
  async (t) => {
    const { service, port, managementPort } = await startListeningService({
      SHUTDOWN_DELAY_MS: '1000',
      SHUTDOWN_TIMEOUT_MS: '8000',
    });
    t.teardown(() => service.kill());

    t.is((await get(port, '/readyz')).statusCode, 200);
    const inFlight = slowPut(port);
    await sleep(200);

    service.child.kill('SIGTERM');
    await service.waitForLog(
      (line) => typeof line.msg === 'string' && line.msg.startsWith('shutdown: readiness'),
    );

    // During the delay: new connections are still accepted, readiness is 503, other requests are served.
    const readyz = await get(port, '/readyz');
    t.is(readyz.statusCode, 503);
    t.is((await get(managementPort, '/readyz')).statusCode, 503);
    const served = await get(port, '/openapi.json');
    t.is(served.statusCode, 200);
    t.is(served.headers.connection, 'close');

    // After the delay: the listener is closed, the slow request is still in flight.
    await service.waitForLog(
      (line) => typeof line.msg === 'string' && line.msg.includes('no longer accepting'),
    );
    await sleep(100);
    t.true(await connectionRefused(port), 'new connections are refused after the delay');
    t.is(service.child.exitCode, null, 'still draining');
    // The management listener stays up while the API drains: the kubelet and Prometheus still get answers.
    t.is((await get(managementPort, '/livez')).statusCode, 200);

    inFlight.finish();
    const response = await inFlight.response;
    t.is(response.statusCode, 204);
    t.is(response.headers.connection, 'close');

    t.is(await service.exited, 0);
    t.true(await connectionRefused(managementPort));
    const messages = service.logs.map((line) => line.msg);
    t.true(messages.includes('shutdown: complete'));
    t.true(
      service.logs.some((line) => line.msg === 'request' && line.method === 'PUT' && line.status === 204),
      'the drained request is logged',
    );
  },
);

test.serial('a second signal exits at once', async (t) => {
  const { service } = await startListeningService({ SHUTDOWN_DELAY_MS: '30000' });
  t.teardown(() => service.kill());
  service.child.kill('SIGTERM');
  await service.waitForLog(
    (line) => typeof line.msg === 'string' && line.msg.startsWith('shutdown: readiness'),
  );
  const started = Date.now();
  service.child.kill('SIGINT');
  const code = await service.exited;
  t.not(code, 0);
  t.true(Date.now() - started < 2000, `exited after ${Date.now() - started} ms`);
});

test.serial('a request that outlives SHUTDOWN_TIMEOUT_MS is cut and the exit code is non-zero', async (t) => {
  const { service, port } = await startListeningService({
    SHUTDOWN_DELAY_MS: '0',
    SHUTDOWN_TIMEOUT_MS: '500',
  });
  t.teardown(() => service.kill());
  const stuck = slowPut(port);
  stuck.response.catch(() => {});
  await sleep(200);
  const started = Date.now();
  service.child.kill('SIGTERM');
  t.is(await service.exited, 1);
  t.true(Date.now() - started < 3000);
  t.true(service.logs.some((line) => typeof line.msg === 'string' && line.msg.includes('timed out')));
});

test.serial('idle keep-alive connections do not hold the shutdown', async (t) => {
  const { service, port } = await startListeningService({
    SHUTDOWN_DELAY_MS: '0',
    SHUTDOWN_TIMEOUT_MS: '8000',
  });
  t.teardown(() => service.kill());
  const { Agent } = await import('node:http');
  const agent = new Agent({ keepAlive: true });
  t.teardown(() => agent.destroy());
  const res = await new Promise<IncomingMessage>((resolve, reject) => {
    request({ host: '127.0.0.1', port, path: '/readyz', agent }, (r) => {
      r.resume();
      r.on('end', () => resolve(r));
    })
      .on('error', reject)
      .end();
  });
  t.is(res.headers.connection, 'keep-alive');
  const started = Date.now();
  service.child.kill('SIGTERM');
  t.is(await service.exited, 0);
  t.true(Date.now() - started < 3000, `exited after ${Date.now() - started} ms`);
});
