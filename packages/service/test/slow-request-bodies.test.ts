import test from 'ava';
import { request } from 'undici';
import { closedWithin, openRaw, problemShape, type RawConnection } from './helpers/raw-http.js';
import { startListeningService } from './helpers/service-process.js';

// 64 connections that send PUT headers and then trickle their body used to take every MAX_IN_FLIGHT slot:
// every /hello request got 503 "overloaded" for as long as they stayed, while /readyz stayed 200.
test('slow senders hold no in-flight slot, and get 408 once REQUEST_TIMEOUT_MS has passed', async (t) => {
  const { service, port } = await startListeningService({
    MAX_IN_FLIGHT: '4',
    HEADERS_TIMEOUT_MS: '1000',
    REQUEST_TIMEOUT_MS: '2000',
  });
  t.teardown(() => service.kill());
  const put = await request(`http://127.0.0.1:${port}/hello/Alice`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: '{"dateOfBirth":"1990-05-17"}',
  });
  t.is(put.statusCode, 204);
  await put.body.dump();

  const slow: RawConnection[] = [];
  t.teardown(() => {
    for (const connection of slow) connection.destroy();
  });
  for (let i = 0; i < 64; i++) {
    const connection = await openRaw(port);
    connection.write(
      'PUT /hello/Slowpoke HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 28\r\n\r\n{',
    );
    slow.push(connection);
  }
  const trickle = setInterval(() => {
    for (const connection of slow) connection.write(' ');
  }, 300);
  t.teardown(() => clearInterval(trickle));
  await new Promise((resolve) => setTimeout(resolve, 500));

  // With all 64 trickling, the API still serves, well beyond MAX_IN_FLIGHT.
  const replies = await Promise.all(
    Array.from({ length: 8 }, async () => {
      const reply = await request(`http://127.0.0.1:${port}/hello/Alice`);
      await reply.body.dump();
      return reply.statusCode;
    }),
  );
  t.deepEqual(replies, Array(8).fill(200));

  // The body deadline: each slow sender gets a 408 problem and its connection closed.
  const answers = await Promise.all(slow.map((connection) => connection.responses(1, 6000)));
  clearInterval(trickle);
  t.deepEqual(
    answers.map(([response]) => response?.status),
    Array(64).fill(408),
  );
  const [first] = answers[0] ?? [];
  if (first !== undefined) t.deepEqual(problemShape(first), []);
  t.true((await Promise.all(slow.map((connection) => closedWithin(connection, 2000)))).every(Boolean));
  const logs = JSON.stringify(service.logs);
  t.false(logs.includes('"level":"error"'), 'nothing at error level');
});
