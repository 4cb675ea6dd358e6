import test from 'ava';
import { createRequestLog, type RequestLogEntry } from '../src/http/request-log.js';
import { createLogger, type LogOutput } from '../src/logger.js';

function collect(): LogOutput & { lines: string[] } {
  const lines: string[] = [];
  return { lines, write: (line) => lines.push(line), flush: (done) => done?.(), droppedLines: 0 };
}

const entry: RequestLogEntry = {
  requestId: '6f1c1c1e-2b0a-4c57-9d1e-6f3c1c0d2a11',
  method: 'PUT',
  route: '/hello/:username',
  status: 204,
  durationMs: 0.437,
};

/** Each line's fields in order, the time aside (it differs between two lines). */
function fieldsOf(line: string): [string, unknown][] {
  return Object.entries(JSON.parse(line) as Record<string, unknown>).filter(([key]) => key !== 'time');
}

test('the request line is the line pino writes for the same fields: same keys, order, values', (t) => {
  const output = collect();
  const logger = createLogger('info', output);
  createRequestLog(logger, output.write)(entry);
  logger.info({ ...entry }, 'request');
  const [ours, pinos] = output.lines;
  t.true(ours?.endsWith('\n'));
  t.deepEqual(fieldsOf(ours as string), fieldsOf(pinos as string));
  const time = (JSON.parse(ours as string) as { time: unknown }).time;
  t.true(typeof time === 'number' && Math.abs(time - Date.now()) < 5000, 'time as epoch ms');
});

test('a route or method that needs JSON escaping is still valid JSON with its exact value', (t) => {
  const output = collect();
  const logger = createLogger('info', output);
  const log = createRequestLog(logger, output.write);
  log({ ...entry, requestId: 'a"b', method: 'M-SEARCH', route: 'a "quoted"\\path\u2028' });
  t.like(JSON.parse(output.lines[0] as string), {
    requestId: 'a"b',
    method: 'M-SEARCH',
    route: 'a "quoted"\\path\u2028',
  });
});

test('above info (LOG_LEVEL=warn) no request line is written', (t) => {
  const output = collect();
  const logger = createLogger('warn', output);
  createRequestLog(logger, output.write)(entry);
  t.deepEqual(output.lines, []);
});

test("with the logger's mixin (tracing on), the line carries its fields where pino puts them", (t) => {
  const output = collect();
  const traceIds = () => ({
    trace_id: '0af7651916cd43dd8448eb211c80319c',
    span_id: 'b7ad6b7169203331',
    trace_flags: '01',
  });
  const logger = createLogger('info', output, traceIds);
  createRequestLog(logger, output.write, traceIds)(entry);
  logger.info({ ...entry }, 'request');
  const [ours, pinos] = output.lines;
  t.deepEqual(fieldsOf(ours as string), fieldsOf(pinos as string));
  t.like(JSON.parse(ours as string), { trace_id: '0af7651916cd43dd8448eb211c80319c' });
});
