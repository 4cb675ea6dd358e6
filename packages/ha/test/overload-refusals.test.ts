import test from 'ava';
import type { Sample } from '../src/load-generator.js';
import { fewOverloadRefusals, isOverloadRefusal, noFailedRequests } from '../src/scenarios/scenario.js';

const base = { kind: 'get', scheduledAt: 0, sendLagMs: 0, endedAt: 1, latencyMs: 1 } as const;
const ok: Sample = { ...base, status: 200, outcome: 'ok', server: 'r1' };
const shed: Sample = {
  ...base,
  status: 503,
  outcome: 'unavailable',
  server: 'r2',
  retryAfterMs: 1000,
  contentType: 'application/problem+json',
  detail: '503 {"status":503,"detail":"the server is overloaded, retry shortly"}',
};
const storeDown: Sample = {
  ...shed,
  detail: '503 {"status":503,"detail":"the data store is unavailable, retry later"}',
};
const lbPage: Sample = {
  ...base,
  status: 503,
  outcome: 'unavailable',
  contentType: 'text/html',
  detail: '503 <html>',
};

test("only a replica's own overload 503 with Retry-After is an overload refusal", (t) => {
  t.true(isOverloadRefusal(shed));
  t.false(isOverloadRefusal(storeDown));
  t.false(isOverloadRefusal(lbPage));
  t.false(isOverloadRefusal({ ...shed, server: undefined }) as boolean);
  const { retryAfterMs: _, ...withoutRetryAfter } = shed;
  t.false(isOverloadRefusal(withoutRetryAfter));
});

test('tolerated overload refusals do not count as failed requests; any other 503 does', (t) => {
  const samples = [ok, shed, storeDown, lbPage];
  const failures = samples.filter((s) => s.outcome !== 'ok');
  const verdict = noFailedRequests({ samples, failures, written: { checked: 0, lost: [] } }, [shed]);
  t.false(verdict.ok);
  t.regex(verdict.detail, /^2 of 4/);
  t.true(
    noFailedRequests({ samples: [ok, shed], failures: [shed], written: { checked: 0, lost: [] } }, [shed]).ok,
  );
});

test('overload refusals pass up to 1 % of the requests and fail above', (t) => {
  const hundred = Array.from({ length: 100 }, () => ok);
  t.true(fewOverloadRefusals(hundred, [shed]).ok);
  t.false(fewOverloadRefusals(hundred, [shed, shed]).ok);
});
