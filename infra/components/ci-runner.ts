import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { CiRunnerConfig } from '../config.js';

/** The control plane's private endpoint and anything else the runner talks to speak HTTPS. */
const HTTPS = 443;
/**
 * Minutes before CodeBuild stops a build, i.e. kills the runner and the job on it. It must outlast
 * the longest job the runner takes: the prod deploy (150 min job timeout, `pulumi up` under a
 * 120-min SIGINT timeout; docs/pipelines.md), or a slow first deploy dies mid-update and leaves the
 * stack locked. 180 = the deploy role's session, which the job cannot outlive anyway.
 */
export const BUILD_TIMEOUT_MINUTES = 180;

export interface CiRunnerArgs extends CiRunnerConfig {
  /** CodeBuild project name; workflows select the runner with `codebuild-<name>-<run id>-<attempt>`. */
  projectName: string;
  vpcId: pulumi.Input<string>;
  privateSubnetIds: pulumi.Input<string[]>;
  /** Security group of the EKS control plane's ENIs: the runner is let in on 443. */
  clusterSecurityGroupId: pulumi.Input<string>;
  logRetentionDays: number;
  tags: Record<string, string>;
}

/**
 * GitHub Actions runners hosted by AWS CodeBuild in the private subnets: the place jobs that
 * reach a private EKS endpoint run (GitHub-hosted runners have no fixed addresses to allow-list).
 * The runner gets no deploy permissions of its own: its role may only write its build log, use
 * the GitHub connection and place its network interfaces; the job takes the deploy role through
 * GitHub OIDC exactly as on a GitHub-hosted runner (docs/pipelines.md).
 */
export class CiRunner extends pulumi.ComponentResource {
  readonly projectName: pulumi.Output<string>;
  readonly securityGroupId: pulumi.Output<string>;
  /** The `runs-on` label a workflow job uses (GitHub expressions left for the workflow). */
  readonly runsOnLabel: pulumi.Output<string>;

  constructor(name: string, args: CiRunnerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('high-available-server:aws:CiRunner', name, {}, opts);
    const parent = { parent: this };
    const account = aws.getCallerIdentityOutput({}, parent).accountId;
    const region = aws.getRegionOutput({}, parent).region;
    const projectArn = pulumi.interpolate`arn:aws:codebuild:${region}:${account}:project/${args.projectName}`;

    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-runner`,
      { vpcId: args.vpcId, description: 'GitHub Actions runner (CodeBuild) in the VPC', tags: args.tags },
      parent,
    );
    // Out: HTTPS only (GitHub, the npm registry, the Pulumi state backend, AWS APIs, the EKS
    // endpoint); the NAT gateways carry what leaves the VPC.
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-runner-https`,
      {
        securityGroupId: securityGroup.id,
        cidrIpv4: '0.0.0.0/0',
        ipProtocol: 'tcp',
        fromPort: HTTPS,
        toPort: HTTPS,
        description: 'HTTPS out (GitHub, registries, AWS APIs, EKS endpoint)',
      },
      parent,
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-eks-from-runner`,
      {
        securityGroupId: args.clusterSecurityGroupId,
        referencedSecurityGroupId: securityGroup.id,
        ipProtocol: 'tcp',
        fromPort: HTTPS,
        toPort: HTTPS,
        description: 'EKS private endpoint from the CI runner',
      },
      parent,
    );

    const logs = new aws.cloudwatch.LogGroup(
      `${name}-runner`,
      { name: `/aws/codebuild/${args.projectName}`, retentionInDays: args.logRetentionDays, tags: args.tags },
      parent,
    );

    const role = new aws.iam.Role(
      `${name}-runner`,
      {
        description: 'CodeBuild-hosted GitHub Actions runner: logs, network interfaces, GitHub connection',
        assumeRolePolicy: pulumi.all([account, projectArn]).apply(([accountId, arn]) =>
          JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Effect: 'Allow',
                Principal: { Service: 'codebuild.amazonaws.com' },
                Action: 'sts:AssumeRole',
                Condition: {
                  StringEquals: { 'aws:SourceAccount': accountId },
                  ArnLike: { 'aws:SourceArn': arn },
                },
              },
            ],
          }),
        ),
        tags: args.tags,
      },
      parent,
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-runner`,
      {
        role: role.name,
        policy: pulumi
          .all([logs.arn, account, region, args.privateSubnetIds])
          .apply(([logGroupArn, accountId, regionName, subnetIds]) =>
            JSON.stringify(runnerPolicy(logGroupArn, args.connectionArn, accountId, regionName, subnetIds)),
          ),
      },
      parent,
    );

    const project = new aws.codebuild.Project(
      `${name}-runner`,
      {
        name: args.projectName,
        description: `GitHub Actions runner for ${args.githubRepository} inside the VPC`,
        serviceRole: role.arn,
        buildTimeout: BUILD_TIMEOUT_MINUTES,
        source: {
          type: 'GITHUB',
          location: `https://github.com/${args.githubRepository}.git`,
          auth: { type: 'CODECONNECTIONS', resource: args.connectionArn },
        },
        artifacts: { type: 'NO_ARTIFACTS' },
        environment: {
          type: 'LINUX_CONTAINER',
          computeType: 'BUILD_GENERAL1_MEDIUM',
          image: 'aws/codebuild/amazonlinux-x86_64-standard:5.0',
          imagePullCredentialsType: 'CODEBUILD',
          // No Docker daemon needed: deploy jobs run Pulumi with an image digest built earlier.
          privilegedMode: false,
        },
        vpcConfig: {
          vpcId: args.vpcId,
          subnets: args.privateSubnetIds,
          securityGroupIds: [securityGroup.id],
        },
        logsConfig: { cloudwatchLogs: { status: 'ENABLED', groupName: logs.name } },
        tags: args.tags,
      },
      { parent: this, dependsOn: [policy] },
    );
    // Every queued workflow job of the repository that asks for this runner starts a build.
    new aws.codebuild.Webhook(
      `${name}-runner`,
      {
        projectName: project.name,
        buildType: 'BUILD',
        filterGroups: [{ filters: [{ type: 'EVENT', pattern: 'WORKFLOW_JOB_QUEUED' }] }],
      },
      parent,
    );

    this.projectName = project.name;
    this.securityGroupId = securityGroup.id;
    this.runsOnLabel = pulumi.interpolate`codebuild-${project.name}-\${{ github.run_id }}-\${{ github.run_attempt }}`;
    this.registerOutputs({ projectName: this.projectName, runsOnLabel: this.runsOnLabel });
  }
}

/** What the runner's own role may do: nothing beyond running itself (see the class comment). */
export function runnerPolicy(
  logGroupArn: string,
  connectionArn: string,
  accountId: string,
  region: string,
  subnetIds: string[],
): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'BuildLogs',
        Effect: 'Allow',
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: `${logGroupArn}:*`,
      },
      {
        Sid: 'GitHubConnection',
        Effect: 'Allow',
        Action: [
          'codeconnections:GetConnectionToken',
          'codeconnections:GetConnection',
          'codeconnections:UseConnection',
        ],
        Resource: connectionArn,
      },
      // What CodeBuild documents for builds in a VPC: describe, and create ENIs only in our subnets.
      {
        Sid: 'DescribeNetwork',
        Effect: 'Allow',
        Action: [
          'ec2:CreateNetworkInterface',
          'ec2:DescribeDhcpOptions',
          'ec2:DescribeNetworkInterfaces',
          'ec2:DeleteNetworkInterface',
          'ec2:DescribeSubnets',
          'ec2:DescribeSecurityGroups',
          'ec2:DescribeVpcs',
        ],
        Resource: '*',
      },
      {
        Sid: 'NetworkInterfacesInOurSubnets',
        Effect: 'Allow',
        Action: 'ec2:CreateNetworkInterfacePermission',
        Resource: `arn:aws:ec2:${region}:${accountId}:network-interface/*`,
        Condition: {
          StringEquals: {
            'ec2:AuthorizedService': 'codebuild.amazonaws.com',
            'ec2:Subnet': subnetIds.map((id) => `arn:aws:ec2:${region}:${accountId}:subnet/${id}`),
          },
        },
      },
    ],
  };
}
