import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { AcknowledgedWrites } from '../src/acknowledged-writes.js';
import { loadDispatcher, runLoad } from '../src/load-generator.js';
import { summarize } from '../src/stats.js';
import { acceptableGreetings, UserFactory } from '../src/users.js';

/** A stand-in with the service's contract, answering every request only after `delayMs`. */
async function slowService(delayMs: number) {
  const birthdays = new Map<string, string>();
  const server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    const username = decodeURIComponent((request.url ?? '').split('/')[2] ?? '');
    if (request.method === 'PUT') {
      birthdays.set(username, (JSON.parse(body) as { dateOfBirth: string }).dateOfBirth);
      response.writeHead(204).end();
      return;
    }
    const greeting = birthdays.get(`greeting:${username}`);
    response.writeHead(greeting ? 200 : 404, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ message: greeting }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, birthdays, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

test('the load is open loop: a slow server does not lower the offered rate, latency counts from the due time', async (t) => {
  const service = await slowService(300);
  const dispatcher = loadDispatcher();
  t.teardown(async () => {
    await dispatcher.close();
    service.server.close();
  });
  const samples = await runLoad({
    baseUrl: service.url,
    rps: 100,
    durationMs: 1000,
    writeRatio: 1,
    timeoutMs: 5000,
    users: new UserFactory('test'),
    acknowledged: new AcknowledgedWrites(),
    dispatcher,
  }).finished;
  // A closed loop of a few clients would have sent a handful; open loop sends all 100 on schedule.
  t.is(samples.length, 100);
  t.true(summarize(samples).p50Ms >= 300);
  t.is(summarize(samples).ok, samples.length);
});

test('every answer is checked: a wrong greeting is a failure, a 204 PUT is an acknowledged write', async (t) => {
  const service = await slowService(0);
  const dispatcher = loadDispatcher();
  t.teardown(async () => {
    await dispatcher.close();
    service.server.close();
  });
  const acknowledged = new AcknowledgedWrites();
  const users = new UserFactory('test');
  const load = (writeRatio: number) =>
    runLoad({
      baseUrl: service.url,
      rps: 50,
      durationMs: 400,
      writeRatio,
      timeoutMs: 5000,
      users,
      acknowledged,
      dispatcher,
    }).finished;
  const puts = await load(1);
  t.is(acknowledged.size, puts.length);
  // The stand-in knows no greeting yet: every GET is a 404, which the generator must count as failed.
  const gets = await load(0);
  t.true(gets.every((s) => s.kind === 'get' && s.outcome === 'failed' && s.status === 404));
  // Now it answers with the right greeting for each user.
  for (const user of acknowledged.all()) {
    service.birthdays.set(`greeting:${user.username}`, acceptableGreetings(user, new Date())[0] ?? '');
  }
  const rightGets = await load(0);
  t.true(rightGets.length > 0 && rightGets.every((s) => s.outcome === 'ok'));
});
