import type * as pulumi from '@pulumi/pulumi';

// Plausible provider answers for the program's resources and invokes. Pulumi's mocks hand every
// registration here (remote components such as eks:index:Cluster and awsx:ec2:Vpc included), so
// this is also where the test sees what the program asked for.

export interface Registration {
  type: string;
  name: string;
  // biome-ignore lint/suspicious/noExplicitAny: provider inputs are free-form; tests assert on their shape.
  inputs: Record<string, any>;
  /** Provider reference (`<urn>::<id>`) when the resource was given an explicit provider. */
  provider?: string;
  custom: boolean;
  /** `<type>::<name>` of the parent (filled in by runStack from the resource options). */
  parent?: string;
  /** `<type>::<name>` of each explicit dependsOn. */
  dependsOn?: string[];
}

const ACCOUNT = '123456789012';
export const MOCK_DIGEST = `sha256:${'d'.repeat(64)}`;
export const CACHING_DISABLED_ID = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
export const ALL_VIEWER_EXCEPT_HOST_ID = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';
export const MASTER_SECRET_ARN = `arn:aws:secretsmanager:eu-west-1:${ACCOUNT}:secret:rds!db-0123-abcdef`;
const subnets = (tier: string) => [0, 1, 2].map((az) => `subnet-${tier}-${az}`);

function outputsFor(type: string, name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  switch (type) {
    case 'awsx:ec2:Vpc':
      return {
        vpcId: 'vpc-0123',
        publicSubnetIds: subnets('public'),
        privateSubnetIds: subnets('private'),
        isolatedSubnetIds: subnets('isolated'),
      };
    case 'eks:index:Cluster': {
      const kubeconfig = { apiVersion: 'v1', kind: 'Config', clusters: [{ name: String(inputs.name) }] };
      return {
        kubeconfig,
        kubeconfigJson: JSON.stringify(kubeconfig),
        clusterSecurityGroupId: 'sg-cluster',
        nodeSecurityGroupId: 'sg-nodes',
        oidcProviderArn: '',
      };
    }
    case 'aws:ec2/launchTemplate:LaunchTemplate':
      return { latestVersion: 1 };
    case 'aws:rds/instance:Instance':
      return {
        address: `${String(inputs.identifier)}.c0abc.eu-west-1.rds.amazonaws.com`,
        port: inputs.port ?? 5432,
        masterUserSecrets: [{ secretArn: MASTER_SECRET_ARN, kmsKeyId: 'key', secretStatus: 'active' }],
      };
    case 'aws:ecr/repository:Repository':
      return { repositoryUrl: `${ACCOUNT}.dkr.ecr.eu-west-1.amazonaws.com/${name}`, registryId: ACCOUNT };
    case 'docker-build:index:Image':
      return { digest: MOCK_DIGEST, ref: `${String((inputs.tags as string[])?.[0])}@${MOCK_DIGEST}` };
    case 'aws:apigatewayv2/api:Api':
      return { apiEndpoint: 'https://abc123.execute-api.eu-west-1.amazonaws.com' };
    case 'aws:apigatewayv2/stage:Stage':
      return { invokeUrl: 'https://abc123.execute-api.eu-west-1.amazonaws.com/' };
    case 'aws:apigateway/restApi:RestApi':
      return { rootResourceId: 'root-resource-id' };
    case 'aws:apigateway/stage:Stage':
      return {
        invokeUrl: `https://abc123.execute-api.eu-west-1.amazonaws.com/${String(inputs.stageName)}`,
        arn: `arn:aws:apigateway:eu-west-1::/restapis/abc123/stages/${String(inputs.stageName)}`,
      };
    // AWS completes bucketPrefix with a unique suffix.
    case 'aws:s3/bucket:Bucket': {
      const bucket = `${String(inputs.bucketPrefix ?? `${name}-`)}20250101000000000000000001`;
      return { bucket, arn: `arn:aws:s3:::${bucket}` };
    }
    case 'aws:cloudfront/distribution:Distribution':
      return { domainName: 'd111111abcdef8.cloudfront.net', hostedZoneId: 'Z2FDTNDATAQYW2' };
    case 'aws:lb/loadBalancer:LoadBalancer':
      return {
        dnsName: `internal-${name}.eu-west-1.elb.amazonaws.com`,
        arn: `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:loadbalancer/app/${name}/0123456789abcdef`,
      };
    // Real ELBv2 ARN shapes: the chart's schema checks the target group's, so a made-up one would not render.
    case 'aws:lb/targetGroup:TargetGroup':
      return {
        arn: `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:targetgroup/${name}/0123456789abcdef`,
      };
    case 'aws:lb/listener:Listener':
      return {
        arn: `arn:aws:elasticloadbalancing:eu-west-1:${ACCOUNT}:listener/app/${name}/0123456789abcdef/fedcba9876543210`,
      };
    case 'random:index/randomPassword:RandomPassword':
      return { result: 'p'.repeat(Number(inputs.length ?? 16)) };
    case 'command:local:Command':
      return { stdout: 'built', stderr: '' };
    default:
      return {};
  }
}

export function createMocks(registrations: Registration[]): pulumi.runtime.Mocks {
  return {
    newResource(args) {
      registrations.push({
        type: args.type,
        name: args.name,
        inputs: args.inputs,
        ...(args.provider ? { provider: args.provider } : {}),
        custom: args.custom ?? false,
      });
      const service = args.type.split(':')[1]?.split('/')[0] ?? 'mock';
      const state = {
        // AWS auto-names resources after the logical name (plus a suffix we leave out).
        ...(args.type.startsWith('aws:') ? { name: args.name } : {}),
        ...args.inputs,
        arn: `arn:aws:${service}:eu-west-1:${ACCOUNT}:${args.name}`,
        ...outputsFor(args.type, args.name, args.inputs),
      };
      return { id: `${args.name}-id`, state };
    },
    call(args) {
      switch (args.token) {
        case 'aws:ecr/getAuthorizationToken:getAuthorizationToken':
          return { userName: 'AWS', password: 'ecr-token', proxyEndpoint: `https://${ACCOUNT}.dkr.ecr` };
        case 'aws:cloudfront/getCachePolicy:getCachePolicy':
          return { id: CACHING_DISABLED_ID, name: args.inputs.name };
        case 'aws:cloudfront/getOriginRequestPolicy:getOriginRequestPolicy':
          return { id: ALL_VIEWER_EXCEPT_HOST_ID, name: args.inputs.name };
        case 'aws:elb/getServiceAccount:getServiceAccount':
          // The ELB account of eu-west-1, as AWS documents it.
          return { id: '156460612806', arn: 'arn:aws:iam::156460612806:root' };
        case 'aws:index/getRegion:getRegion':
          return { name: 'eu-west-1', region: 'eu-west-1' };
        case 'aws:index/getCallerIdentity:getCallerIdentity':
          return { accountId: ACCOUNT, arn: `arn:aws:iam::${ACCOUNT}:user/ci`, userId: 'AIDA' };
        case 'aws:index/getAvailabilityZones:getAvailabilityZones':
          return {
            names: ['eu-west-1a', 'eu-west-1b', 'eu-west-1c'],
            zoneIds: ['euw1-az1', 'euw1-az2', 'euw1-az3'],
          };
        default:
          throw new Error(
            `the test mocks do not answer invoke ${args.token}: add it to test/support/mocks.ts`,
          );
      }
    },
  };
}
