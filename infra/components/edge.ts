import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { DomainConfig } from '../config.js';
import { LISTENER_PORT } from './load-balancer.js';

const CACHING_DISABLED_POLICY = 'Managed-CachingDisabled';
const ALL_VIEWER_EXCEPT_HOST_POLICY = 'Managed-AllViewerExceptHostHeader';

export interface EdgeArgs {
  vpcId: pulumi.Input<string>;
  privateSubnetIds: pulumi.Input<string[]>;
  albSecurityGroupId: pulumi.Input<string>;
  albListenerArn: pulumi.Input<string>;
  /** Header CloudFront adds to every origin request; the ALB listener forwards only with it. */
  originHeader: { name: string; value: pulumi.Input<string> };
  throttle: { burstLimit: number; rateLimit: number };
  logRetentionDays: number;
  wafEnabled: boolean;
  wafRateLimitPer5Min: number;
  priceClass: string;
  domain?: DomainConfig;
  tags: Record<string, string>;
}

/**
 * The public edge: CloudFront (HTTPS only, no caching, optional WAF) in front of an HTTP API whose
 * only route proxies through a VPC Link to the internal ALB listener.
 */
export class Edge extends pulumi.ComponentResource {
  readonly publicUrl: pulumi.Output<string>;
  readonly apiUrl: pulumi.Output<string>;
  readonly distributionId: pulumi.Output<string>;

  constructor(name: string, args: EdgeArgs, opts?: pulumi.ComponentResourceOptions) {
    super('high-available-server:aws:Edge', name, {}, opts);
    const parent = { parent: this };

    const vpcLinkSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-vpc-link`,
      { vpcId: args.vpcId, description: 'API Gateway VPC Link to the internal ALB', tags: args.tags },
      parent,
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-vpc-link-to-alb`,
      {
        securityGroupId: vpcLinkSecurityGroup.id,
        referencedSecurityGroupId: args.albSecurityGroupId,
        ipProtocol: 'tcp',
        fromPort: LISTENER_PORT,
        toPort: LISTENER_PORT,
        description: 'VPC Link to ALB listener',
      },
      parent,
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-alb-from-vpc-link`,
      {
        securityGroupId: args.albSecurityGroupId,
        referencedSecurityGroupId: vpcLinkSecurityGroup.id,
        ipProtocol: 'tcp',
        fromPort: LISTENER_PORT,
        toPort: LISTENER_PORT,
        description: 'ALB listener from the API Gateway VPC Link',
      },
      parent,
    );

    const vpcLink = new aws.apigatewayv2.VpcLink(
      `${name}-vpc-link`,
      { subnetIds: args.privateSubnetIds, securityGroupIds: [vpcLinkSecurityGroup.id], tags: args.tags },
      parent,
    );

    const api = new aws.apigatewayv2.Api(
      `${name}-api`,
      { protocolType: 'HTTP', description: 'hello service, reached through CloudFront', tags: args.tags },
      parent,
    );
    const integration = new aws.apigatewayv2.Integration(
      `${name}-alb`,
      {
        apiId: api.id,
        integrationType: 'HTTP_PROXY',
        integrationMethod: 'ANY',
        integrationUri: args.albListenerArn,
        connectionType: 'VPC_LINK',
        connectionId: vpcLink.id,
        payloadFormatVersion: '1.0',
        timeoutMilliseconds: 30_000,
      },
      parent,
    );
    new aws.apigatewayv2.Route(
      `${name}-default`,
      { apiId: api.id, routeKey: '$default', target: pulumi.interpolate`integrations/${integration.id}` },
      parent,
    );
    const accessLogs = new aws.cloudwatch.LogGroup(
      `${name}-api-access`,
      { retentionInDays: args.logRetentionDays, tags: args.tags },
      parent,
    );
    const stage = new aws.apigatewayv2.Stage(
      `${name}-default`,
      {
        apiId: api.id,
        name: '$default',
        autoDeploy: true,
        accessLogSettings: {
          destinationArn: accessLogs.arn,
          format: JSON.stringify({
            requestId: '$context.requestId',
            ip: '$context.identity.sourceIp',
            requestTime: '$context.requestTime',
            httpMethod: '$context.httpMethod',
            path: '$context.path',
            status: '$context.status',
            protocol: '$context.protocol',
            responseLength: '$context.responseLength',
            responseLatency: '$context.responseLatency',
            integrationStatus: '$context.integrationStatus',
            integrationLatency: '$context.integrationLatency',
            integrationError: '$context.integrationErrorMessage',
            userAgent: '$context.identity.userAgent',
          }),
        },
        defaultRouteSettings: {
          throttlingBurstLimit: args.throttle.burstLimit,
          throttlingRateLimit: args.throttle.rateLimit,
          detailedMetricsEnabled: true,
        },
        tags: args.tags,
      },
      parent,
    );

    const webAcl = args.wafEnabled ? this.webAcl(name, args) : undefined;

    const cachingDisabled = aws.cloudfront.getCachePolicyOutput({ name: CACHING_DISABLED_POLICY }, parent);
    const allViewerExceptHost = aws.cloudfront.getOriginRequestPolicyOutput(
      { name: ALL_VIEWER_EXCEPT_HOST_POLICY },
      parent,
    );
    const originId = 'api-gateway';
    const distribution = new aws.cloudfront.Distribution(
      `${name}-cdn`,
      {
        enabled: true,
        comment: 'hello service',
        isIpv6Enabled: true,
        httpVersion: 'http2and3',
        priceClass: args.priceClass,
        ...(args.domain ? { aliases: [args.domain.name] } : {}),
        origins: [
          {
            originId,
            domainName: api.apiEndpoint.apply((endpoint) => new URL(endpoint).host),
            customOriginConfig: {
              httpPort: 80,
              httpsPort: 443,
              originProtocolPolicy: 'https-only',
              originSslProtocols: ['TLSv1.2'],
              originReadTimeout: 30,
              originKeepaliveTimeout: 5,
            },
            customHeaders: [{ name: args.originHeader.name, value: args.originHeader.value }],
          },
        ],
        defaultCacheBehavior: {
          targetOriginId: originId,
          viewerProtocolPolicy: 'redirect-to-https',
          allowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE'],
          cachedMethods: ['GET', 'HEAD'],
          cachePolicyId: cachingDisabled.apply((policy) => policy.id ?? ''),
          originRequestPolicyId: allViewerExceptHost.apply((policy) => policy.id ?? ''),
          compress: true,
        },
        restrictions: { geoRestriction: { restrictionType: 'none' } },
        viewerCertificate: args.domain
          ? {
              acmCertificateArn: args.domain.certificateArn,
              sslSupportMethod: 'sni-only',
              minimumProtocolVersion: 'TLSv1.2_2021',
            }
          : { cloudfrontDefaultCertificate: true },
        ...(webAcl ? { webAclId: webAcl.arn } : {}),
        tags: args.tags,
      },
      parent,
    );

    if (args.domain?.hostedZoneId) {
      for (const type of ['A', 'AAAA']) {
        new aws.route53.Record(
          `${name}-${type.toLowerCase()}`,
          {
            zoneId: args.domain.hostedZoneId,
            name: args.domain.name,
            type,
            aliases: [
              {
                name: distribution.domainName,
                zoneId: distribution.hostedZoneId,
                evaluateTargetHealth: false,
              },
            ],
          },
          parent,
        );
      }
    }

    this.publicUrl = args.domain
      ? pulumi.output(`https://${args.domain.name}`)
      : pulumi.interpolate`https://${distribution.domainName}`;
    this.apiUrl = stage.invokeUrl;
    this.distributionId = distribution.id;
    this.registerOutputs({ publicUrl: this.publicUrl, apiUrl: this.apiUrl });
  }

  /** WAF for CloudFront: scope CLOUDFRONT lives in us-east-1 whatever the stack's region. */
  private webAcl(name: string, args: EdgeArgs): aws.wafv2.WebAcl {
    const usEast1 = new aws.Provider(`${name}-us-east-1`, { region: 'us-east-1' }, { parent: this });
    const visibility = (metricName: string) => ({
      cloudwatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    const managed = [
      'AWSManagedRulesCommonRuleSet',
      'AWSManagedRulesKnownBadInputsRuleSet',
      'AWSManagedRulesAmazonIpReputationList',
    ];
    return new aws.wafv2.WebAcl(
      `${name}-waf`,
      {
        scope: 'CLOUDFRONT',
        description: 'hello service edge',
        defaultAction: { allow: {} },
        rules: [
          ...managed.map((ruleGroup, index) => ({
            name: ruleGroup,
            priority: index + 1,
            overrideAction: { none: {} },
            statement: { managedRuleGroupStatement: { vendorName: 'AWS', name: ruleGroup } },
            visibilityConfig: visibility(ruleGroup),
          })),
          {
            name: 'rate-limit-per-ip',
            priority: managed.length + 1,
            action: { block: {} },
            statement: { rateBasedStatement: { limit: args.wafRateLimitPer5Min, aggregateKeyType: 'IP' } },
            visibilityConfig: visibility('rate-limit-per-ip'),
          },
        ],
        visibilityConfig: visibility('hello-edge'),
        tags: args.tags,
      },
      { parent: this, provider: usEast1 },
    );
  }
}
