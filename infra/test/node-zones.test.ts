import test from 'ava';
import { nodeCountsPerZone } from '../node-zones.js';

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

test('per-zone counts add up to the stack totals and differ by at most one between zones', (t) => {
  for (let min = 0; min <= 7; min++) {
    for (let desired = min; desired <= 8; desired++) {
      for (let max = Math.max(desired, 1); max <= 9; max++) {
        const zones = nodeCountsPerZone({ min, desired, max }, 3);
        t.is(zones.length, 3);
        t.is(sum(zones.map((z) => z.min)), min);
        t.is(sum(zones.map((z) => z.desired)), desired);
        t.is(sum(zones.map((z) => z.max)), max);
        for (const key of ['min', 'desired', 'max'] as const) {
          const values = zones.map((z) => z[key]);
          t.true(Math.max(...values) - Math.min(...values) <= 1);
        }
        t.true(
          zones.every((z) => z.min <= z.desired && z.desired <= z.max),
          JSON.stringify(zones),
        );
      }
    }
  }
});
