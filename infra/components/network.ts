import * as awsx from '@pulumi/awsx';
import * as pulumi from '@pulumi/pulumi';
import { type AddressPlan, addressPlan, ZONE_COUNT } from '../address-plan.js';
import type { NatStrategy } from '../config.js';

export interface NetworkArgs {
  cidrBlock: string;
  natGateways: NatStrategy;
  tags: Record<string, string>;
}

/**
 * The private VPC: over three AZs, public subnets only hold the NAT gateways, private subnets the
 * nodes, internal ALB, API Gateway VPC Link and rotation function, isolated subnets (no route
 * out) the database. Every subnet CIDR comes from our address plan (`address-plan.ts`); with
 * explicit `cidrBlocks` awsx allocates nothing, it only checks for overlaps.
 */
export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly publicSubnetIds: pulumi.Output<string[]>;
  /** In AZ order, like `plan.private`. */
  readonly privateSubnetIds: pulumi.Output<string[]>;
  readonly isolatedSubnetIds: pulumi.Output<string[]>;
  readonly plan: AddressPlan;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('high-available-server:aws:Network', name, {}, opts);
    this.plan = addressPlan(args.cidrBlock);

    const vpc = new awsx.ec2.Vpc(
      name,
      {
        cidrBlock: args.cidrBlock,
        numberOfAvailabilityZones: ZONE_COUNT,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        // With cidrBlocks on every spec awsx takes the explicit layout whatever the strategy;
        // `Exact` would also demand that the subnets cover the VPC with no gap, and ours keeps spare room.
        subnetStrategy: awsx.ec2.SubnetAllocationStrategy.Auto,
        subnetSpecs: [
          {
            type: awsx.ec2.SubnetType.Public,
            cidrBlocks: this.plan.public,
            tags: { 'kubernetes.io/role/elb': '1' },
          },
          {
            type: awsx.ec2.SubnetType.Private,
            cidrBlocks: this.plan.private,
            tags: { 'kubernetes.io/role/internal-elb': '1' },
          },
          { type: awsx.ec2.SubnetType.Isolated, cidrBlocks: this.plan.isolated, tags: { tier: 'database' } },
        ],
        natGateways: { strategy: awsx.ec2.NatGatewayStrategy[args.natGateways] },
        tags: args.tags,
      },
      { parent: this },
    );

    this.vpcId = vpc.vpcId;
    this.publicSubnetIds = vpc.publicSubnetIds;
    this.privateSubnetIds = vpc.privateSubnetIds;
    this.isolatedSubnetIds = vpc.isolatedSubnetIds;
    this.registerOutputs({
      vpcId: this.vpcId,
      privateSubnetIds: this.privateSubnetIds,
      isolatedSubnetIds: this.isolatedSubnetIds,
    });
  }
}
