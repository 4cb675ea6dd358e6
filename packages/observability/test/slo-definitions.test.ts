import { readFile } from 'node:fs/promises';
import test from 'ava';
import { parseDocument } from 'yaml';
import { errorBudget, loadSlos, parseSlos, sloFile } from '../src/slo.js';

const text = await readFile(sloFile, 'utf8');

function edited(path: (string | number)[], value: unknown): string {
  const document = parseDocument(text);
  document.setIn(path, value);
  return document.toString();
}

test('slo.yaml holds both SLOs and both burn-rate alerts', (t) => {
  const slos = loadSlos();
  t.true(slos.availability.objective > 0.99);
  t.true(slos.latency.thresholdSeconds > 0);
  t.deepEqual(
    slos.burnRateAlerts.map((alert) => alert.name),
    ['fast', 'slow'],
  );
  t.is(errorBudget(0.999), 0.001);
});

const rejected: [string, (string | number)[], unknown, RegExp][] = [
  ['an objective of 100 %', ['availability', 'objective'], 1, /availability\.objective/],
  ['an objective given as a percentage', ['latency', 'objective'], 99, /latency\.objective/],
  ['a threshold that is not a number', ['latency', 'thresholdSeconds'], '100ms', /thresholdSeconds/],
  ['a short window as long as the long one', ['burnRateAlerts', 0, 'shortWindow'], '1h', /shortWindow/],
  ['a window Prometheus would not read', ['burnRateAlerts', 1, 'longWindow'], '6 hours', /longWindow/],
  ['an unknown severity', ['burnRateAlerts', 0, 'severity'], 'page', /severity/],
  ['a burn rate that spends more than the whole ratio', ['burnRateAlerts', 0, 'burnRate'], 150, /100 %/],
];

for (const [what, path, value, message] of rejected) {
  test(`slo.yaml with ${what} is refused, naming the field`, (t) => {
    t.throws(() => parseSlos(edited(path, value)), { message });
  });
}
