import test from 'ava';
import { closedWithin, openRaw, problemShape } from './helpers/raw-http.js';
import { serviceForFile } from './helpers/shared-service.js';

// node:http answers these itself, before any request reaches Koa; they must look like every other error.
// A real process, raw sockets: a client library would refuse to send most of these.
const service = serviceForFile(test, { HEADERS_TIMEOUT_MS: '1000', REQUEST_TIMEOUT_MS: '2000' });

const cases: [string, number, string | (() => string)][] = [
  ['a request line that is not HTTP', 400, 'HELLO THERE\r\n\r\n'],
  ['an HTTP/1.1 request without Host', 400, 'GET /hello/Alice HTTP/1.1\r\n\r\n'],
  ['an invalid header name', 400, 'GET / HTTP/1.1\r\nHost: x\r\nBad Header: y\r\n\r\n'],
  [
    'Content-Length and Transfer-Encoding together (request smuggling)',
    400,
    'PUT /hello/Alice HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
  ],
  ['headers over 16 KiB', 431, () => `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`],
  [
    'chunk extensions over 16 KiB',
    413,
    () =>
      `PUT /hello/Alice HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n1;${'e'.repeat(20_000)}\r\n`,
  ],
  ['an Expect the server cannot meet', 417, 'GET /readyz HTTP/1.1\r\nHost: x\r\nExpect: teapot\r\n\r\n'],
];

for (const [label, status, request] of cases) {
  test.serial(
    `${label}: ${status} problem+json with the security headers and a request id, then close`,
    async (t) => {
      const connection = await openRaw(service().port);
      t.teardown(() => connection.destroy());
      connection.write(typeof request === 'string' ? request : request());
      const [response] = await connection.responses(1);
      t.is(response?.status, status, connection.received());
      if (response === undefined) return;
      t.deepEqual(problemShape(response), []);
      t.is(response.headers.connection, 'close');
      t.true(await closedWithin(connection, 2000), 'the server closes the connection');
    },
  );
}

test.serial(
  'headers that do not arrive within HEADERS_TIMEOUT_MS: 408 problem+json, then close',
  async (t) => {
    const connection = await openRaw(service().port);
    t.teardown(() => connection.destroy());
    connection.write('GET /readyz HTTP/1.1\r\nHost: x\r\n');
    const started = Date.now();
    const [response] = await connection.responses(1, 5000);
    t.is(response?.status, 408);
    if (response !== undefined) t.deepEqual(problemShape(response), []);
    // Checked every half timeout: 1 to 1.5 s, plus a busy machine's margin.
    t.true(Date.now() - started < 3000, `${Date.now() - started} ms`);
    t.true(await closedWithin(connection, 2000));
  },
);

test.serial('the management listener answers node errors the same way', async (t) => {
  const connection = await openRaw(service().managementPort);
  t.teardown(() => connection.destroy());
  connection.write('GET /livez HTTP/1.1\r\n\r\n');
  const [response] = await connection.responses(1);
  t.is(response?.status, 400);
  if (response !== undefined) t.deepEqual(problemShape(response), []);
});

test.serial('protocol errors are counted by code, in bounded labels', async (t) => {
  const connection = await openRaw(service().port);
  connection.write('HELLO THERE\r\n\r\n');
  await connection.closed;
  const response = await fetch(`http://127.0.0.1:${service().managementPort}/metrics`);
  const text = await response.text();
  t.regex(text, /^http_client_errors_total\{listener="api",code="HPE_[A-Z_]+"\} [1-9]\d*$/m);
  t.regex(text, /^http_client_errors_total\{listener="api",code="ERR_HTTP_REQUEST_TIMEOUT"\} [1-9]\d*$/m);
});
