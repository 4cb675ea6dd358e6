import { createHash } from 'node:crypto';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import type { DomainConfig, ViewerTlsPolicy } from '../config.js';
import { LISTENER_PORT } from './load-balancer.js';
import { LogBucket } from './log-bucket.js';

const CACHING_DISABLED_POLICY = 'Managed-CachingDisabled';
const ALL_VIEWER_EXCEPT_HOST_POLICY = 'Managed-AllViewerExceptHostHeader';
/** The REST API's one stage; CloudFront puts it in front of every path (originPath). */
export const STAGE_NAME = 'live';
/** Lower case: WAF matches header names as sent on the wire, and HTTP/2 sends them lower case. */
const wafHeaderName = (header: string) => header.toLowerCase();

export interface EdgeArgs {
  vpcId: pulumi.Input<string>;
  privateSubnetIds: pulumi.Input<string[]>;
  albSecurityGroupId: pulumi.Input<string>;
  /** The internal ALB: VPC link V2 target of the REST API's private integration. */
  albArn: pulumi.Input<string>;
  /** Its DNS name, the Host header of the integration request. */
  albDnsName: pulumi.Input<string>;
  /**
   * Header CloudFront adds to every origin request. The WAF on the API stage refuses requests
   * without it before API Gateway throttles or integrates them; the ALB listener checks it again.
   */
  originHeader: { name: string; value: pulumi.Input<string> };
  throttle: { burstLimit: number; rateLimit: number };
  logRetentionDays: number;
  /** Empty the log buckets on destroy (dev); production keeps them. */
  forceDestroyLogs: boolean;
  wafEnabled: boolean;
  wafRateLimitPer5Min: number;
  priceClass: string;
  domain?: DomainConfig;
  viewerTlsPolicy: ViewerTlsPolicy;
  tags: Record<string, string>;
}

/**
 * The public edge: CloudFront (HTTPS only, no caching, optional WAF, access logs) in front of a
 * regional REST API whose stage carries a WAF web ACL that lets through only requests with
 * CloudFront's origin secret, and whose routes proxy through a VPC link V2 to the internal ALB.
 * A direct call to the API's public endpoint is refused by that WAF (403) before API Gateway
 * counts it against the stage throttle or forwards it.
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

    // VPC link V2 (the apigatewayv2 resource): REST APIs reach an ALB through it directly.
    const vpcLink = new aws.apigatewayv2.VpcLink(
      `${name}-vpc-link`,
      { subnetIds: args.privateSubnetIds, securityGroupIds: [vpcLinkSecurityGroup.id], tags: args.tags },
      parent,
    );

    const stage = this.restApi(name, args, vpcLink.id);
    this.originFirewall(name, args, stage.arn);

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
            domainName: stage.invokeUrl.apply((url) => new URL(url).host),
            // Viewers call /hello/...; the REST API serves them under its stage.
            originPath: `/${STAGE_NAME}`,
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
              minimumProtocolVersion: args.viewerTlsPolicy,
            }
          : { cloudfrontDefaultCertificate: true },
        ...(webAcl ? { webAclId: webAcl.arn } : {}),
        tags: args.tags,
      },
      parent,
    );
    this.cloudFrontLogs(name, args, distribution.arn);

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

  /**
   * Regional REST API: `/` and `/{proxy+}`, any method, HTTP proxy through the VPC link V2 to
   * the ALB's listener; one stage with JSON access logs and the stage throttle.
   */
  private restApi(name: string, args: EdgeArgs, vpcLinkId: pulumi.Output<string>): aws.apigateway.Stage {
    const parent = { parent: this };
    const api = new aws.apigateway.RestApi(
      `${name}-api`,
      {
        description: 'hello service, reached through CloudFront',
        // REGIONAL: CloudFront is ours; an edge-optimized API would add AWS's own in front of it.
        endpointConfiguration: { types: 'REGIONAL' },
        tags: args.tags,
      },
      parent,
    );
    const proxy = new aws.apigateway.Resource(
      `${name}-proxy`,
      { restApi: api.id, parentId: api.rootResourceId, pathPart: '{proxy+}' },
      parent,
    );
    const routes = [
      { key: 'root', resourceId: api.rootResourceId, path: '/' },
      { key: 'proxy', resourceId: proxy.id, path: '/{proxy}' },
    ];
    const integrations = routes.map((route) => {
      const method = new aws.apigateway.Method(
        `${name}-${route.key}`,
        {
          restApi: api.id,
          resourceId: route.resourceId,
          httpMethod: 'ANY',
          // The service is public by design; who may call is decided at the edge (WAF).
          authorization: 'NONE',
          ...(route.key === 'proxy' ? { requestParameters: { 'method.request.path.proxy': true } } : {}),
        },
        parent,
      );
      return new aws.apigateway.Integration(
        `${name}-${route.key}`,
        {
          restApi: api.id,
          resourceId: route.resourceId,
          httpMethod: method.httpMethod,
          type: 'HTTP_PROXY',
          integrationHttpMethod: 'ANY',
          connectionType: 'VPC_LINK',
          connectionId: vpcLinkId,
          integrationTarget: args.albArn,
          // The path is given explicitly (so the stage name is not put in front of it); the host
          // is the Host header the ALB sees.
          uri: pulumi.interpolate`http://${args.albDnsName}:${LISTENER_PORT}${route.path}`,
          ...(route.key === 'proxy'
            ? { requestParameters: { 'integration.request.path.proxy': 'method.request.path.proxy' } }
            : {}),
          timeoutMilliseconds: 29_000,
        },
        parent,
      );
    });

    // A new deployment whenever the routes change (the stage serves a snapshot).
    const deployment = new aws.apigateway.Deployment(
      `${name}-api`,
      {
        restApi: api.id,
        triggers: {
          routes: createHash('sha256')
            .update(JSON.stringify({ routes: routes.map((r) => r.path), port: LISTENER_PORT }))
            .digest('hex'),
        },
      },
      { parent: this, dependsOn: integrations },
    );

    const cloudWatchAccess = this.apiGatewayLogging(name, args);
    const accessLogs = new aws.cloudwatch.LogGroup(
      `${name}-api-access`,
      { retentionInDays: args.logRetentionDays, tags: args.tags },
      parent,
    );
    const stage = new aws.apigateway.Stage(
      `${name}-${STAGE_NAME}`,
      {
        restApi: api.id,
        deployment: deployment.id,
        stageName: STAGE_NAME,
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
            integrationStatus: '$context.integration.status',
            integrationLatency: '$context.integration.latency',
            integrationError: '$context.integration.error',
            waf: '$context.wafResponseCode',
            userAgent: '$context.identity.userAgent',
          }),
        },
        tags: args.tags,
      },
      { parent: this, dependsOn: [cloudWatchAccess] },
    );
    new aws.apigateway.MethodSettings(
      `${name}-${STAGE_NAME}`,
      {
        restApi: api.id,
        stageName: stage.stageName,
        methodPath: '*/*',
        settings: {
          throttlingBurstLimit: args.throttle.burstLimit,
          throttlingRateLimit: args.throttle.rateLimit,
          metricsEnabled: true,
          // Execution logs would log request data; the access log above is enough.
          loggingLevel: 'OFF',
          dataTraceEnabled: false,
          // Every answer is per user and uncached by CloudFront too (see docs/infra.md).
          cachingEnabled: false,
        },
      },
      parent,
    );
    return stage;
  }

  /**
   * REST API stages write access logs through a role set once per account and region. Like EBS
   * encryption by default, that setting is shared: destroying one stack leaves it in place.
   */
  private apiGatewayLogging(name: string, args: EdgeArgs): aws.apigateway.Account {
    const role = new aws.iam.Role(
      `${name}-apigw-logs`,
      {
        description: 'API Gateway: write REST API access logs to CloudWatch Logs',
        assumeRolePolicy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Effect: 'Allow',
              Principal: { Service: 'apigateway.amazonaws.com' },
              Action: 'sts:AssumeRole',
            },
          ],
        }),
        tags: args.tags,
      },
      { parent: this, retainOnDelete: true },
    );
    const push = new aws.iam.RolePolicyAttachment(
      `${name}-apigw-logs`,
      {
        role: role.name,
        policyArn: 'arn:aws:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs',
      },
      { parent: this, retainOnDelete: true },
    );
    return new aws.apigateway.Account(
      `${name}-apigw-account`,
      { cloudwatchRoleArn: role.arn },
      { parent: this, retainOnDelete: true, dependsOn: [push] },
    );
  }

  /**
   * The gate in front of API Gateway: a regional WAF on the stage that allows a request only
   * when it carries CloudFront's origin header with the exact secret, and blocks (403)
   * everything else. Blocked requests are logged (header redacted) to an `aws-waf-logs-` bucket.
   */
  private originFirewall(name: string, args: EdgeArgs, stageArn: pulumi.Output<string>): void {
    const visibility = (metricName: string) => ({
      cloudwatchMetricsEnabled: true,
      sampledRequestsEnabled: true,
      metricName,
    });
    const acl = new aws.wafv2.WebAcl(
      `${name}-origin-waf`,
      {
        scope: 'REGIONAL',
        description: 'API Gateway stage: only requests from our CloudFront distribution',
        defaultAction: { block: {} },
        rules: [
          {
            name: 'from-cloudfront',
            priority: 0,
            action: { allow: {} },
            statement: {
              byteMatchStatement: {
                fieldToMatch: { singleHeader: { name: wafHeaderName(args.originHeader.name) } },
                positionalConstraint: 'EXACTLY',
                searchString: args.originHeader.value,
                textTransformations: [{ priority: 0, type: 'NONE' }],
              },
            },
            visibilityConfig: visibility('from-cloudfront'),
          },
        ],
        visibilityConfig: visibility('hello-origin'),
        tags: args.tags,
      },
      { parent: this },
    );
    new aws.wafv2.WebAclAssociation(
      `${name}-origin-waf`,
      { resourceArn: stageArn, webAclArn: acl.arn },
      { parent: this },
    );
    const logs = new LogBucket(
      `${name}-origin-waf-logs`,
      {
        namePrefix: `aws-waf-logs-${name}-api-`,
        writer: { kind: 'vended' },
        retentionDays: args.logRetentionDays,
        forceDestroy: args.forceDestroyLogs,
        tags: args.tags,
      },
      { parent: this },
    );
    new aws.wafv2.WebAclLoggingConfiguration(
      `${name}-origin-waf`,
      {
        resourceArn: acl.arn,
        logDestinationConfigs: [logs.arn],
        redactedFields: [{ singleHeader: { name: wafHeaderName(args.originHeader.name) } }],
        // Allowed requests are CloudFront's, already in its access logs: keep the refused ones.
        loggingFilter: {
          defaultBehavior: 'DROP',
          filters: [
            {
              behavior: 'KEEP',
              requirement: 'MEETS_ANY',
              conditions: [{ actionCondition: { action: 'BLOCK' } }],
            },
          ],
        },
      },
      { parent: this, dependsOn: [logs] },
    );
  }

  /** CloudFront lives in us-east-1 for logging and WAF purposes, whatever the stack's region. */
  private usEast1?: aws.Provider;
  private usEast1Provider(name: string): aws.Provider {
    this.usEast1 ??= new aws.Provider(`${name}-us-east-1`, { region: 'us-east-1' }, { parent: this });
    return this.usEast1;
  }

  /** CloudFront standard logging (v2, vended logs) of every viewer request to S3 in us-east-1. */
  private cloudFrontLogs(name: string, args: EdgeArgs, distributionArn: pulumi.Output<string>): void {
    const opts = { parent: this, provider: this.usEast1Provider(name) };
    const bucket = new LogBucket(
      `${name}-cdn-logs`,
      {
        namePrefix: `${name}-cdn-logs-`,
        writer: { kind: 'vended' },
        retentionDays: args.logRetentionDays,
        forceDestroy: args.forceDestroyLogs,
        tags: args.tags,
      },
      opts,
    );
    const source = new aws.cloudwatch.LogDeliverySource(
      `${name}-cdn`,
      { name: `${name}-cdn`, logType: 'ACCESS_LOGS', resourceArn: distributionArn, tags: args.tags },
      opts,
    );
    const destination = new aws.cloudwatch.LogDeliveryDestination(
      `${name}-cdn`,
      {
        name: `${name}-cdn-s3`,
        outputFormat: 'json',
        deliveryDestinationConfiguration: { destinationResourceArn: bucket.arn },
        tags: args.tags,
      },
      { ...opts, dependsOn: [bucket] },
    );
    new aws.cloudwatch.LogDelivery(
      `${name}-cdn`,
      { deliverySourceName: source.name, deliveryDestinationArn: destination.arn, tags: args.tags },
      opts,
    );
  }

  /** WAF for CloudFront: scope CLOUDFRONT lives in us-east-1; its full log goes to S3 there. */
  private webAcl(name: string, args: EdgeArgs): aws.wafv2.WebAcl {
    const opts = { parent: this, provider: this.usEast1Provider(name) };
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
    const acl = new aws.wafv2.WebAcl(
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
      opts,
    );
    const logs = new LogBucket(
      `${name}-waf-logs`,
      {
        namePrefix: `aws-waf-logs-${name}-cdn-`,
        writer: { kind: 'vended' },
        retentionDays: args.logRetentionDays,
        forceDestroy: args.forceDestroyLogs,
        tags: args.tags,
      },
      opts,
    );
    new aws.wafv2.WebAclLoggingConfiguration(
      `${name}-waf`,
      {
        resourceArn: acl.arn,
        logDestinationConfigs: [logs.arn],
        redactedFields: [{ singleHeader: { name: 'authorization' } }, { singleHeader: { name: 'cookie' } }],
      },
      { ...opts, dependsOn: [logs] },
    );
    return acl;
  }
}
