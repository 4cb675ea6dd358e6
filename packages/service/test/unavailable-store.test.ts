import test from 'ava';
import { createMemoryRepository } from '../src/store/memory.js';
import { StoreUnavailableError, type UserRepository } from '../src/store/repository.js';
import { putBirthday, send, startTestApp } from './helpers/http-app.js';
import { assertProblem } from './helpers/problem.js';

function unavailable(): UserRepository {
  const down = async () => {
    throw new StoreUnavailableError('connect ECONNREFUSED 127.0.0.1:5432');
  };
  return { ...createMemoryRepository(), save: down, findDateOfBirth: down, ping: down };
}

test('GET while the store is down is 503 with Retry-After, without internals', async (t) => {
  const app = await startTestApp({ repository: unavailable() });
  t.teardown(app.close);
  const reply = await send(app, 'GET', '/hello/Alice');
  assertProblem(t, reply, 503);
  t.regex(String(reply.headers['retry-after']), /^\d+$/);
  t.false(reply.text.includes('ECONNREFUSED'));
});

test('PUT while the store is down is 503 with Retry-After', async (t) => {
  const app = await startTestApp({ repository: unavailable() });
  t.teardown(app.close);
  const reply = await putBirthday(app, 'Alice', '1990-05-17');
  assertProblem(t, reply, 503);
  t.regex(String(reply.headers['retry-after']), /^\d+$/);
});

test('validation still comes first: a bad request is 400 even while the store is down', async (t) => {
  const app = await startTestApp({ repository: unavailable() });
  t.teardown(app.close);
  t.is((await putBirthday(app, 'Alice', 'not-a-date')).status, 400);
});
