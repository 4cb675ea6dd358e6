import test from 'ava';
import { closedWithin, openRaw, type RawConnection } from './helpers/raw-http.js';
import { startListeningService } from './helpers/service-process.js';

// Idle and header-trickling sockets used to be held 91–96 s each, without a cap, until the process ran out
// of file descriptors and even /livez got connection resets.
const get = async (port: number, path: string) => {
  const response = await fetch(`http://127.0.0.1:${port}${path}`);
  return { status: response.status, text: await response.text() };
};

test.serial(
  'at MAX_CONNECTIONS new API connections are closed at once; the management listener still answers',
  async (t) => {
    const { service, port, managementPort } = await startListeningService({
      MAX_CONNECTIONS: '20',
      HEADERS_TIMEOUT_MS: '3000',
      REQUEST_TIMEOUT_MS: '3000',
    });
    t.teardown(() => service.kill());
    const held: RawConnection[] = [];
    t.teardown(() => {
      for (const connection of held) connection.destroy();
    });
    for (let i = 0; i < 20; i++) held.push(await openRaw(port));

    for (let i = 0; i < 5; i++) {
      const refused = await openRaw(port);
      t.teardown(() => refused.destroy());
      t.true(await closedWithin(refused, 1000), 'a connection past the cap is closed at once');
      t.is(refused.received(), '');
    }

    // The kubelet's probes and the scrape go to their own listener, with its own cap.
    t.is((await get(managementPort, '/livez')).status, 200);
    const metrics = (await get(managementPort, '/metrics')).text;
    t.regex(metrics, /^http_connections_refused_total\{listener="api"\} 5$/m);
    await service.waitForLog((line) => line.msg === 'connection cap reached: new connections are closed');
    const capLines = service.logs.filter((line) => String(line.msg).startsWith('connection cap'));
    t.is(capLines.length, 1, 'one line when it starts, not one per refused connection');

    // Once the idle ones are gone (headers timeout), new connections are served again.
    t.true((await Promise.all(held.map((connection) => closedWithin(connection, 6000)))).every(Boolean));
    t.is((await get(port, '/readyz')).status, 200);
  },
);

test.serial(
  'a connection trickling its headers is answered 408 and closed within HEADERS_TIMEOUT_MS (+ the check interval)',
  async (t) => {
    const { service, port } = await startListeningService({
      HEADERS_TIMEOUT_MS: '1000',
      REQUEST_TIMEOUT_MS: '2000',
    });
    t.teardown(() => service.kill());
    const connection = await openRaw(port);
    t.teardown(() => connection.destroy());
    const header =
      'GET /readyz HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
    let at = 0;
    const trickle = setInterval(() => connection.write(header[at++ % header.length] ?? 'a'), 100);
    t.teardown(() => clearInterval(trickle));
    const started = Date.now();
    const [response] = await connection.responses(1, 5000);
    t.is(response?.status, 408);
    t.true(await closedWithin(connection, 1000));
    t.true(Date.now() - started < 3000, `${Date.now() - started} ms`);
  },
);

test.serial(
  'an idle keep-alive connection outlives HEADERS_TIMEOUT_MS (the ALB reuses it for 60 s)',
  async (t) => {
    const { service, port } = await startListeningService({
      HEADERS_TIMEOUT_MS: '1000',
      REQUEST_TIMEOUT_MS: '1000',
    });
    t.teardown(() => service.kill());
    const connection = await openRaw(port);
    t.teardown(() => connection.destroy());
    connection.write('GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n');
    const [first] = await connection.responses(1);
    t.is(first?.status, 200);
    await new Promise((resolve) => setTimeout(resolve, 2500));
    t.false(connection.isClosed());
    connection.write('GET /readyz HTTP/1.1\r\nHost: x\r\n\r\n');
    const [, second] = await connection.responses(2);
    t.is(second?.status, 200);
  },
);
