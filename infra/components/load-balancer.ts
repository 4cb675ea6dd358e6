import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { LogBucket } from './log-bucket.js';
import { podIdentityRole } from './pod-identity.js';

const CONTAINER_PORT = 8080;
export const LISTENER_PORT = 80;
const ORIGIN_HEADER_NAME = 'X-Origin-Verify';
const ACCESS_LOG_PREFIX = 'alb';
const LB_CONTROLLER_CHART = {
  chart: 'aws-load-balancer-controller',
  version: '1.14.0',
  repo: 'https://aws.github.io/eks-charts',
};
const LB_CONTROLLER_NAMESPACE = 'kube-system';
const LB_CONTROLLER_SERVICE_ACCOUNT = 'aws-load-balancer-controller';

export interface LoadBalancerArgs {
  vpcId: pulumi.Input<string>;
  privateSubnetIds: pulumi.Input<string[]>;
  nodeSecurityGroupId: pulumi.Input<string>;
  clusterName: pulumi.Input<string>;
  region: string;
  provider: k8s.Provider;
  /** The cluster and its Pod Identity agent; the controller's association waits for them. */
  clusterReady: pulumi.Input<pulumi.Resource>[];
  deregistrationDelaySeconds: number;
  deletionProtection: boolean;
  /** Access logs: kept this many days; the bucket is emptied on destroy when forceDestroyLogs. */
  logRetentionDays: number;
  forceDestroyLogs: boolean;
  tags: Record<string, string>;
}

/**
 * The internal ALB, owned by Pulumi (so API Gateway can take the listener ARN at preview and a
 * destroy leaves nothing behind), and the AWS Load Balancer Controller, whose only job here is to
 * keep the pod IPs registered in the `ip` target group through the chart's TargetGroupBinding.
 * The listener answers 403 unless the request carries the secret origin header CloudFront adds.
 */
export class LoadBalancer extends pulumi.ComponentResource {
  readonly listenerArn: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;
  readonly targetGroupArn: pulumi.Output<string>;
  readonly securityGroupId: pulumi.Output<string>;
  readonly dnsName: pulumi.Output<string>;
  readonly originHeader: { name: string; value: pulumi.Output<string> };
  /** Helm release of the controller; a TargetGroupBinding must depend on it (webhook ready). */
  readonly controller: k8s.helm.v3.Release;

  constructor(name: string, args: LoadBalancerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('high-available-server:aws:LoadBalancer', name, {}, opts);
    const parent = { parent: this };

    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-alb`,
      { vpcId: args.vpcId, description: 'Internal ALB: from the API Gateway VPC Link only', tags: args.tags },
      parent,
    );
    // Pod ENIs carry the node security group (VPC CNI), so that is where the ALB is let in.
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-alb-to-pods`,
      {
        securityGroupId: securityGroup.id,
        referencedSecurityGroupId: args.nodeSecurityGroupId,
        ipProtocol: 'tcp',
        fromPort: CONTAINER_PORT,
        toPort: CONTAINER_PORT,
        description: 'ALB to pods',
      },
      parent,
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-pods-from-alb`,
      {
        securityGroupId: args.nodeSecurityGroupId,
        referencedSecurityGroupId: securityGroup.id,
        ipProtocol: 'tcp',
        fromPort: CONTAINER_PORT,
        toPort: CONTAINER_PORT,
        description: 'Pods from the internal ALB',
      },
      parent,
    );

    // Access logs: one object per 5 minutes per node; ALB writes only to SSE-S3 buckets.
    const accessLogs = new LogBucket(
      `${name}-alb-logs`,
      {
        namePrefix: `${name}-alb-logs-`,
        writer: { kind: 'alb', prefix: ACCESS_LOG_PREFIX },
        retentionDays: args.logRetentionDays,
        forceDestroy: args.forceDestroyLogs,
        tags: args.tags,
      },
      parent,
    );
    const alb = new aws.lb.LoadBalancer(
      `${name}-alb`,
      {
        internal: true,
        loadBalancerType: 'application',
        subnets: args.privateSubnetIds,
        securityGroups: [securityGroup.id],
        dropInvalidHeaderFields: true,
        // Below the service's 65 s keep-alive, so the ALB always closes idle connections first.
        idleTimeout: 60,
        enableDeletionProtection: args.deletionProtection,
        accessLogs: { enabled: true, bucket: accessLogs.bucketName, prefix: ACCESS_LOG_PREFIX },
        tags: args.tags,
      },
      // ELB checks it can write to the bucket when logging is switched on.
      { parent: this, dependsOn: [accessLogs] },
    );

    const targetGroup = new aws.lb.TargetGroup(
      `${name}-pods`,
      {
        vpcId: args.vpcId,
        targetType: 'ip',
        protocol: 'HTTP',
        port: CONTAINER_PORT,
        deregistrationDelay: args.deregistrationDelaySeconds,
        healthCheck: {
          enabled: true,
          path: '/readyz',
          port: 'traffic-port',
          protocol: 'HTTP',
          matcher: '200',
          interval: 10,
          timeout: 5,
          healthyThreshold: 2,
          unhealthyThreshold: 2,
        },
        tags: args.tags,
      },
      parent,
    );

    const originSecret = new random.RandomPassword(
      `${name}-origin-secret`,
      { length: 48, special: false },
      parent,
    );

    const listener = new aws.lb.Listener(
      `${name}-http`,
      {
        loadBalancerArn: alb.arn,
        port: LISTENER_PORT,
        protocol: 'HTTP',
        defaultActions: [
          {
            type: 'fixed-response',
            fixedResponse: { statusCode: '403', contentType: 'text/plain', messageBody: 'Forbidden' },
          },
        ],
        tags: args.tags,
      },
      parent,
    );
    new aws.lb.ListenerRule(
      `${name}-from-cloudfront`,
      {
        listenerArn: listener.arn,
        priority: 10,
        conditions: [{ httpHeader: { httpHeaderName: ORIGIN_HEADER_NAME, values: [originSecret.result] } }],
        actions: [{ type: 'forward', targetGroupArn: targetGroup.arn }],
        tags: args.tags,
      },
      parent,
    );

    this.controller = this.loadBalancerController(name, args, targetGroup.arn);

    this.listenerArn = listener.arn;
    this.arn = alb.arn;
    this.targetGroupArn = targetGroup.arn;
    this.securityGroupId = securityGroup.id;
    this.dnsName = alb.dnsName;
    this.originHeader = { name: ORIGIN_HEADER_NAME, value: pulumi.secret(originSecret.result) };
    this.registerOutputs({ listenerArn: this.listenerArn, targetGroupArn: this.targetGroupArn });
  }

  /**
   * The controller, with an IAM policy cut down to what a TargetGroupBinding needs: read the
   * load balancers and network, and (un)register targets of our one target group. (The upstream
   * policy also lets it create and delete load balancers and edit security groups, which nothing
   * here asks it to do.)
   */
  private loadBalancerController(
    name: string,
    args: LoadBalancerArgs,
    targetGroupArn: pulumi.Output<string>,
  ): k8s.helm.v3.Release {
    const { role, association } = podIdentityRole(
      `${name}-controller`,
      {
        clusterName: args.clusterName,
        namespace: LB_CONTROLLER_NAMESPACE,
        serviceAccount: LB_CONTROLLER_SERVICE_ACCOUNT,
        tags: args.tags,
        clusterReady: args.clusterReady,
      },
      this,
    );
    const policy = new aws.iam.Policy(
      `${name}-controller`,
      {
        description: 'AWS Load Balancer Controller: TargetGroupBinding of one target group',
        policy: targetGroupArn.apply((arn) =>
          JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'Read',
                Effect: 'Allow',
                Action: ['elasticloadbalancing:Describe*', 'ec2:Describe*', 'ec2:GetSecurityGroupsForVpc'],
                Resource: '*',
              },
              {
                Sid: 'RegisterPods',
                Effect: 'Allow',
                Action: ['elasticloadbalancing:RegisterTargets', 'elasticloadbalancing:DeregisterTargets'],
                Resource: arn,
              },
            ],
          }),
        ),
        tags: args.tags,
      },
      { parent: this },
    );
    const attachment = new aws.iam.RolePolicyAttachment(
      `${name}-controller`,
      { role: role.name, policyArn: policy.arn },
      { parent: this },
    );

    // Release (not Chart v4): helm's --wait makes the release ready only once the controller
    // and its webhook serve, which is what the TargetGroupBinding that depends on it needs.
    return new k8s.helm.v3.Release(
      `${name}-controller`,
      {
        name: 'aws-load-balancer-controller',
        chart: LB_CONTROLLER_CHART.chart,
        version: LB_CONTROLLER_CHART.version,
        repositoryOpts: { repo: LB_CONTROLLER_CHART.repo },
        namespace: LB_CONTROLLER_NAMESPACE,
        atomic: true,
        timeout: 600,
        values: {
          clusterName: args.clusterName,
          // Given explicitly: with IMDS hop limit 1 the controller cannot look them up.
          region: args.region,
          vpcId: args.vpcId,
          replicaCount: 2,
          serviceAccount: { create: true, name: LB_CONTROLLER_SERVICE_ACCOUNT },
          createIngressClassResource: false,
          enableServiceMutatorWebhook: false,
          podDisruptionBudget: { maxUnavailable: 1 },
        },
      },
      { parent: this, provider: args.provider, dependsOn: [association, attachment] },
    );
  }
}
