import test from 'ava';
import { closedWithin, openRaw, problemShape } from './helpers/raw-http.js';
import { serviceForFile } from './helpers/shared-service.js';

// A body the server refuses must be refused before the client is invited to send it, and the connection
// closed: otherwise node:http reads and discards whatever the client keeps sending (500 MB in a second).
const service = serviceForFile(test);

const put = (headers: string) => `PUT /hello/Alice HTTP/1.1\r\nHost: x\r\n${headers}\r\n`;

for (const [label, status, headers] of [
  ['a body that is not JSON', 415, 'Content-Type: text/plain\r\nContent-Length: 1000000000\r\n'],
  ['a body over 16 KiB', 413, 'Content-Type: application/json\r\nContent-Length: 1000000000\r\n'],
  ['a bad username', 400, 'Content-Type: application/json\r\nContent-Length: 28\r\n'],
] as const) {
  test(`Expect: 100-continue with ${label}: ${status} at once, no "100 Continue", connection closed`, async (t) => {
    const connection = await openRaw(service().port);
    t.teardown(() => connection.destroy());
    const request = put(`${headers}Expect: 100-continue\r\n`);
    connection.write(status === 400 ? request.replace('/hello/Alice', '/hello/Al1ce') : request);
    const [response] = await connection.responses(1);
    t.is(response?.status, status, connection.received());
    if (response !== undefined)
      t.deepEqual(
        problemShape(response).filter((w) => w !== 'x-request-id'),
        [],
      );
    t.is(response?.headers.connection, 'close');
    t.false(connection.received().includes('100 Continue'));
    t.true(await closedWithin(connection, 2000), 'closed');
  });
}

test('Expect: 100-continue with an acceptable request: "100 Continue", then the body, then 204', async (t) => {
  const connection = await openRaw(service().port);
  t.teardown(() => connection.destroy());
  const body = '{"dateOfBirth":"1990-05-17"}';
  connection.write(
    put(`Content-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n`),
  );
  const [interim] = await connection.responses(1);
  t.is(interim?.status, 100);
  connection.write(body);
  const [, final] = await connection.responses(2);
  t.is(final?.status, 204);
  t.not(final?.headers.connection, 'close', 'a body that was read keeps the connection');
});

test('a client that keeps sending after a 413 is cut off: the server does not read what it refused', async (t) => {
  const connection = await openRaw(service().port);
  t.teardown(() => connection.destroy());
  connection.write(put('Content-Type: application/json\r\nContent-Length: 1000000000\r\n'));
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let sent = 0;
  // Send as fast as the socket takes it, as the attack did, until the server closes or 3 s pass.
  const until = Date.now() + 3000;
  while (!connection.isClosed() && Date.now() < until && sent < 500 * 1024 * 1024) {
    if (!connection.socket.write(chunk))
      await new Promise((resolve) => connection.socket.once('drain', resolve).once('close', resolve));
    sent += chunk.length;
  }
  const [response] = await connection.responses(1).catch(() => []);
  if (response !== undefined) t.is(response.status, 413);
  t.true(await closedWithin(connection, 2000), 'the server closed the connection');
  t.log(`the client got ${Math.round(sent / 1024)} KiB out before the connection closed`);
  t.true(sent < 64 * 1024 * 1024, `${sent} bytes sent`);
});

test('a body left unread (415 without Expect) closes the connection; a read one keeps it', async (t) => {
  const refused = await openRaw(service().port);
  t.teardown(() => refused.destroy());
  refused.write(`${put('Content-Type: text/plain\r\nContent-Length: 5000\r\n')}${'x'.repeat(100)}`);
  const [response] = await refused.responses(1);
  t.is(response?.status, 415);
  t.is(response?.headers.connection, 'close');
  t.true(await closedWithin(refused, 2000));

  const kept = await openRaw(service().port);
  t.teardown(() => kept.destroy());
  kept.write(`${put('Content-Type: application/json\r\nContent-Length: 2\r\n')}[]`);
  const [bad] = await kept.responses(1);
  t.is(bad?.status, 400);
  t.not(bad?.headers.connection, 'close');
  kept.write('GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n');
  const [, next] = await kept.responses(2);
  t.is(next?.status, 200, 'the same connection serves the next request');
});
