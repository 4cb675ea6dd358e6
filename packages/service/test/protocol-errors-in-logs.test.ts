import test from 'ava';
import { closedWithin, openRaw, problemShape } from './helpers/raw-http.js';
import { startListeningService } from './helpers/service-process.js';

// Framing errors after the headers used to reach Koa's error event with node's `rawPacket` (up to 64 KiB of
// the raw request, credentials included) and be logged at error level, one ~200 KB line each.
const SECRET_HEADERS =
  'Authorization: Bearer SECRET-TOKEN-123\r\nCookie: session=SECRET-COOKIE-456\r\nContent-Type: application/json\r\n';

const badFraming: [string, string][] = [
  ['a bad chunk size', 'Transfer-Encoding: chunked\r\n\r\nzz\r\n{"dateOfBirth":"1990-05-17"}\r\n'],
  ['an unknown Transfer-Encoding', 'Transfer-Encoding: gzip\r\n\r\n{"dateOfBirth":"1990-05-17"}'],
  ['chunk extensions over 16 KiB', `Transfer-Encoding: chunked\r\n\r\n1;${'e'.repeat(20_000)}\r\nx\r\n`],
  [
    'trailers over 16 KiB',
    `Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nX-Trailer: ${'t'.repeat(20_000)}\r\n\r\n`,
  ],
  ['a chunk without its CRLF', 'Transfer-Encoding: chunked\r\n\r\n2\r\n{}XX0\r\n\r\n'],
];

test('framing errors after the headers: a 4xx problem, no request bytes or credentials in the logs, nothing at error level', async (t) => {
  const { service, port } = await startListeningService({ LOG_LEVEL: 'debug' });
  t.teardown(() => service.kill());
  for (const [label, rest] of badFraming) {
    const connection = await openRaw(port);
    connection.write(`PUT /hello/Alice HTTP/1.1\r\nHost: x\r\n${SECRET_HEADERS}${rest}`);
    const [response] = await connection.responses(1).catch(() => []);
    if (response !== undefined) {
      t.true(response.status >= 400 && response.status < 500, `${label}: ${response.status}`);
      t.deepEqual(problemShape(response), [], label);
    }
    t.true(await closedWithin(connection, 3000), `${label}: closed`);
    connection.destroy();
  }
  // A client that sends half its body and goes away is not an error either.
  const quitter = await openRaw(port);
  quitter.write(
    `PUT /hello/Alice HTTP/1.1\r\nHost: x\r\n${SECRET_HEADERS}Content-Length: 100\r\n\r\n{"dateOf`,
  );
  await new Promise((resolve) => setTimeout(resolve, 200));
  quitter.socket.resetAndDestroy();
  await new Promise((resolve) => setTimeout(resolve, 200));

  // A marker request: once its line is out, so is every line before it.
  const marker = await fetch(`http://127.0.0.1:${port}/readyz`, { headers: { 'x-request-id': 'marker-1' } });
  await marker.text();
  await service.waitForLog((line) => line.requestId === 'marker-1');

  const everything = JSON.stringify(service.logs) + service.stderr();
  t.false(everything.includes('SECRET'), 'no credential in the logs');
  t.false(everything.includes('rawPacket'), 'no raw request bytes in the logs');
  t.false(everything.includes('eeeeeeeeee'), 'no request bytes in the logs');
  t.deepEqual(
    service.logs.filter((line) => line.level === 'error' || line.level === 'fatal'),
    [],
  );
  const longest = Math.max(...service.logs.map((line) => JSON.stringify(line).length));
  t.true(longest < 1000, `longest line ${longest} characters`);
});
