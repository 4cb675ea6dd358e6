import * as awsx from '@pulumi/awsx';
import * as pulumi from '@pulumi/pulumi';
import type { NatStrategy } from '../config.js';

export interface NetworkArgs {
  cidrBlock: string;
  natGateways: NatStrategy;
  tags: Record<string, string>;
}

/**
 * The private VPC: over three AZs, public subnets only hold the NAT gateways, private subnets the
 * nodes, internal ALB and API Gateway VPC Link, isolated subnets (no route out) the database.
 */
export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly publicSubnetIds: pulumi.Output<string[]>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  readonly isolatedSubnetIds: pulumi.Output<string[]>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('high-available-server:aws:Network', name, {}, opts);

    const vpc = new awsx.ec2.Vpc(
      name,
      {
        cidrBlock: args.cidrBlock,
        numberOfAvailabilityZones: 3,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        subnetStrategy: awsx.ec2.SubnetAllocationStrategy.Auto,
        subnetSpecs: [
          { type: awsx.ec2.SubnetType.Public, cidrMask: 24, tags: { 'kubernetes.io/role/elb': '1' } },
          {
            type: awsx.ec2.SubnetType.Private,
            cidrMask: 19,
            tags: { 'kubernetes.io/role/internal-elb': '1' },
          },
          { type: awsx.ec2.SubnetType.Isolated, cidrMask: 24, tags: { tier: 'database' } },
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
