import test from 'ava';
import { addressPlan, type Tier, vpcCidrProblem, ZONE_COUNT } from '../address-plan.js';
import { parseStackConfig, StackConfigError } from '../config.js';
import { stackFileConfig } from './support/stack-config.js';

// Address arithmetic of its own (integers, not the plan's octet layout), so the checks below do
// not share a mistake with the function they check.
function range(cidr: string): { first: number; last: number; size: number } {
  const [address = '', bits = ''] = cidr.split('/');
  const base = address.split('.').reduce((value, octet) => value * 256 + Number(octet), 0);
  const size = 2 ** (32 - Number(bits));
  if (base % size !== 0) throw new Error(`${cidr} is not aligned to its own size`);
  return { first: base, last: base + size - 1, size };
}

// The sizes docs/infra.md promises (addresses per subnet, AWS reserves 5 of each).
const DOCUMENTED_SIZE: Record<Tier, number> = { private: 16_384, public: 256, isolated: 256 };
const TIERS: Tier[] = ['public', 'private', 'isolated'];

for (const stack of ['dev', 'prod'] as const) {
  const vpcCidr = stackFileConfig(stack)['high-available-server:vpcCidr'] ?? '';
  const plan = addressPlan(vpcCidr);
  const subnets = TIERS.flatMap((tier) => plan[tier].map((cidr, zone) => ({ tier, zone, cidr })));

  test(`${stack}: no two subnets overlap`, (t) => {
    for (const [i, one] of subnets.entries()) {
      for (const other of subnets.slice(i + 1)) {
        const a = range(one.cidr);
        const b = range(other.cidr);
        t.false(
          a.first <= b.last && b.first <= a.last,
          `${one.tier}-${one.zone + 1} ${one.cidr} overlaps ${other.tier}-${other.zone + 1} ${other.cidr}`,
        );
      }
    }
  });

  test(`${stack}: every subnet lies inside the VPC ${vpcCidr}`, (t) => {
    const vpc = range(vpcCidr);
    for (const { cidr } of subnets) {
      const subnet = range(cidr);
      t.true(subnet.first >= vpc.first && subnet.last <= vpc.last, `${cidr} is outside ${vpcCidr}`);
    }
  });

  test(`${stack}: each tier has exactly one subnet in each of the ${ZONE_COUNT} AZs, sized as documented`, (t) => {
    for (const tier of TIERS) {
      t.is(plan[tier].length, ZONE_COUNT, tier);
      t.deepEqual(
        plan[tier].map((cidr) => range(cidr).size),
        Array(ZONE_COUNT).fill(DOCUMENTED_SIZE[tier]),
        tier,
      );
    }
  });
}

test('the plan is written down for a /16 and refuses anything else with the reason', (t) => {
  t.is(vpcCidrProblem('10.30.0.0/16'), undefined);
  t.regex(vpcCidrProblem('10.30.0.0/17') ?? '', /must be a \/16/);
  t.regex(vpcCidrProblem('10.30.4.0/16') ?? '', /a\.b\.0\.0\/16/);
  t.regex(vpcCidrProblem('10.300.0.0/16') ?? '', /not an IPv4 CIDR/);
  t.throws(() => addressPlan('10.0.0.0/20'), { message: /vpcCidr: .*must be a \/16/ });
});

test('a stack whose vpcCidr the plan cannot divide is refused at config time, not at `pulumi up`', (t) => {
  const config: Record<string, string> = {
    ...stackFileConfig('dev'),
    'high-available-server:vpcCidr': '10.10.0.0/20',
  };
  const error = t.throws(
    () => parseStackConfig((key) => config[`high-available-server:${key}`], 'eu-west-1'),
    {
      instanceOf: StackConfigError,
    },
  );
  t.deepEqual(error?.problems, [
    "vpcCidr: '10.10.0.0/20' must be a /16 network (a.b.0.0/16): the subnet plan divides exactly one /16",
  ]);
});
