import test from 'ava';
import { costPerAnswer } from '../src/scenarios/overload.js';

test('the CPU per served and per refused answer is solved from a mostly-serving and a mostly-refusing phase', (t) => {
  // 600 µs per served answer, 200 µs per refusal.
  const phase = (served: number, refused: number) => ({
    served,
    refused,
    cpuMs: served * 0.6 + refused * 0.2,
  });
  const cost = costPerAnswer([phase(1000, 50), phase(1500, 5000)]);
  t.truthy(cost);
  t.is(Math.round(cost?.servedUs ?? 0), 600);
  t.is(Math.round(cost?.refusedUs ?? 0), 200);
});

test('phases that cannot tell served from refused answers give no figure', (t) => {
  t.is(
    costPerAnswer([
      { served: 100, refused: 100, cpuMs: 50 },
      { served: 200, refused: 200, cpuMs: 100 },
    ]),
    undefined,
  );
  t.is(
    costPerAnswer([
      { served: 100, refused: 0, cpuMs: Number.NaN },
      { served: 0, refused: 100, cpuMs: 10 },
    ]),
    undefined,
  );
  t.is(costPerAnswer([{ served: 100, refused: 0, cpuMs: 60 }]), undefined);
});
