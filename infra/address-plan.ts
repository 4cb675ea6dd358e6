// The VPC's address plan, computed here instead of by awsx's allocator: awsx's `Auto` strategy
// aligns each subnet to its own size after the previous one, which pushed each AZ's isolated /24
// past the end of that AZ's block and onto the next AZ's public /24. A plan we own is checked
// by our tests; awsx receives the CIDRs (explicit `cidrBlocks`) and only validates them.
//
// Layout of the /16 (the third octet of each subnet's base address):
//
//   0 ─────────── 64 ────────── 128 ────────── 192 ─ 195 ──── 200 ─ 203 ──────── 255
//   private AZ1 /18 │ private AZ2 /18 │ private AZ3 /18 │ public │ spare │ isolated │ spare
//
// Private subnets are large because every pod takes a VPC address (VPC CNI) and the node
// autoscaler adds nodes there; public subnets only hold NAT gateways; isolated ones the database.

export const ZONE_COUNT = 3;

export type Tier = 'public' | 'private' | 'isolated';

/** Prefix length of each tier's subnets, and the third octet of each AZ's subnet base. */
export const TIER_LAYOUT: Record<Tier, { prefixLength: number; thirdOctets: readonly number[] }> = {
  private: { prefixLength: 18, thirdOctets: [0, 64, 128] },
  public: { prefixLength: 24, thirdOctets: [192, 193, 194] },
  isolated: { prefixLength: 24, thirdOctets: [200, 201, 202] },
};

/** One CIDR per AZ (in AZ order) for each tier. */
export type AddressPlan = Record<Tier, string[]>;

export const VPC_PREFIX_LENGTH = 16;

const IPV4_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;

/** Why `cidr` cannot carry this plan, or undefined when it can. */
export function vpcCidrProblem(cidr: string): string | undefined {
  const match = IPV4_CIDR.exec(cidr);
  const [a, b, c, d, bits] = (match?.slice(1) ?? []).map(Number);
  if (match === null || [a, b, c, d].some((octet) => octet === undefined || octet > 255)) {
    return `'${cidr}' is not an IPv4 CIDR`;
  }
  if (bits !== VPC_PREFIX_LENGTH || c !== 0 || d !== 0) {
    return `'${cidr}' must be a /${VPC_PREFIX_LENGTH} network (a.b.0.0/16): the subnet plan divides exactly one /16`;
  }
  return undefined;
}

/** Every subnet CIDR of the VPC `vpcCidr` (an a.b.0.0/16). Throws on any other CIDR. */
export function addressPlan(vpcCidr: string): AddressPlan {
  const problem = vpcCidrProblem(vpcCidr);
  if (problem) throw new Error(`vpcCidr: ${problem}`);
  const [a, b] = vpcCidr.split('.');
  const subnets = (tier: Tier) =>
    TIER_LAYOUT[tier].thirdOctets.map((octet) => `${a}.${b}.${octet}.0/${TIER_LAYOUT[tier].prefixLength}`);
  return { public: subnets('public'), private: subnets('private'), isolated: subnets('isolated') };
}
