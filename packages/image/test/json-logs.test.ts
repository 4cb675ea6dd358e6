import test from 'ava';
import { assertJsonLogLines } from '../src/container.js';

test('pino lines pass and come back parsed', (t) => {
  const records = assertJsonLogLines([
    '{"level":30,"time":1764288000000,"msg":"listening on 0.0.0.0:8080"}',
    '{"level":30,"time":1764288001000,"msg":"shutdown: complete"}',
  ]);
  t.is(records.at(-1)?.msg, 'shutdown: complete');
});

test('a plain text line fails with its number', (t) => {
  const error = t.throws(() => assertJsonLogLines(['{"level":30,"time":1}', 'Server started']));
  t.regex(error?.message ?? '', /stdout line 2 is not JSON: Server started/);
});

test('JSON without level and time is not a log record', (t) => {
  t.throws(() => assertJsonLogLines(['{"msg":"hi"}']), { message: /lacks level\/time/ });
  t.throws(() => assertJsonLogLines(['42']), { message: /lacks level\/time/ });
});

test('no output at all fails', (t) => {
  t.throws(() => assertJsonLogLines([]), { message: /no log line on stdout/ });
});
