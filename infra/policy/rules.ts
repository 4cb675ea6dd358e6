// The security rules of the policy pack as plain functions of (resource type, resource inputs),
// so they can be unit-tested and applied to mock runs without the policy runtime.

export interface SecurityRule {
  name: string;
  description: string;
  /** Violations found on one resource (empty: compliant or not a resource this rule checks). */
  check: (type: string, props: Record<string, unknown>) => string[];
}

export const DATABASE_PORTS = [5432, 3306, 1433, 1521, 27017, 6379];
const OPEN_CIDRS = new Set(['0.0.0.0/0', '::/0']);
export const REQUIRED_EKS_LOG_TYPES = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'];
const WEAK_ORIGIN_PROTOCOLS = ['SSLv3', 'TLSv1', 'TLSv1.1'];
/** CloudFront viewer policies at TLS 1.2 with the 2021 cipher list, or newer. */
export const ACCEPTED_VIEWER_TLS_POLICIES = ['TLSv1.2_2021', 'TLSv1.2_2025', 'TLSv1.3_2025'];
const LOAD_BALANCER_TYPES = ['aws:lb/loadBalancer:LoadBalancer', 'aws:alb/loadBalancer:LoadBalancer'];

type Props = Record<string, unknown>;
const asRecord = (value: unknown): Props =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Props) : {};
const asArray = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const asStrings = (value: unknown): string[] => asArray(value).map(String);
/** Resources carry the stack's `environment` tag (index.ts); production-only rules read it. */
const isProduction = (props: Props) => asRecord(props.tags).environment === 'production';

function coversDatabasePort(protocol: unknown, fromPort: unknown, toPort: unknown): number | undefined {
  const allTraffic = protocol === '-1' || protocol === 'all' || protocol === -1;
  if (allTraffic) return DATABASE_PORTS[0];
  if (protocol !== 'tcp' && protocol !== '6') return undefined;
  const from = Number(fromPort);
  const to = Number(toPort);
  return DATABASE_PORTS.find((port) => port >= from && port <= to);
}

export const rdsPrivateAndEncrypted: SecurityRule = {
  name: 'rds-private-and-encrypted',
  description: 'RDS instances are not publicly accessible and encrypt their storage.',
  check(type, props) {
    if (type !== 'aws:rds/instance:Instance') return [];
    const problems: string[] = [];
    if (props.publiclyAccessible === true) problems.push('RDS instance must not be publicly accessible');
    if (props.storageEncrypted !== true) problems.push('RDS instance must set storageEncrypted: true');
    return problems;
  },
};

export const noPublicDatabaseIngress: SecurityRule = {
  name: 'no-public-database-ingress',
  description: `Security groups admit no traffic from anywhere on database ports (${DATABASE_PORTS.join(', ')}).`,
  check(type, props) {
    const problem = (port: number, cidr: string) => `ingress from ${cidr} reaches database port ${port}`;
    if (type === 'aws:ec2/securityGroup:SecurityGroup') {
      return asArray(props.ingress).flatMap((rule) => {
        const r = asRecord(rule);
        const port = coversDatabasePort(r.protocol, r.fromPort, r.toPort);
        const open = [...asStrings(r.cidrBlocks), ...asStrings(r.ipv6CidrBlocks)].filter((c) =>
          OPEN_CIDRS.has(c),
        );
        return port === undefined ? [] : open.map((cidr) => problem(port, cidr));
      });
    }
    if (type === 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule') {
      const port = coversDatabasePort(props.ipProtocol, props.fromPort, props.toPort);
      const open = [props.cidrIpv4, props.cidrIpv6].filter((c): c is string => OPEN_CIDRS.has(String(c)));
      return port === undefined ? [] : open.map((cidr) => problem(port, cidr));
    }
    if (type === 'aws:ec2/securityGroupRule:SecurityGroupRule' && props.type === 'ingress') {
      const port = coversDatabasePort(props.protocol, props.fromPort, props.toPort);
      const open = [...asStrings(props.cidrBlocks), ...asStrings(props.ipv6CidrBlocks)].filter((c) =>
        OPEN_CIDRS.has(c),
      );
      return port === undefined ? [] : open.map((cidr) => problem(port, cidr));
    }
    return [];
  },
};

export const cloudFrontHttpsOnly: SecurityRule = {
  name: 'cloudfront-https-only',
  description: 'CloudFront serves viewers over HTTPS only and talks TLS 1.2+ to custom origins.',
  check(type, props) {
    if (type !== 'aws:cloudfront/distribution:Distribution') return [];
    const problems: string[] = [];
    const behaviors = [
      asRecord(props.defaultCacheBehavior),
      ...asArray(props.orderedCacheBehaviors).map(asRecord),
    ];
    for (const behavior of behaviors) {
      const policy = behavior.viewerProtocolPolicy;
      if (policy !== 'redirect-to-https' && policy !== 'https-only') {
        problems.push(`viewerProtocolPolicy '${String(policy)}' lets viewers use plain HTTP`);
      }
    }
    for (const origin of asArray(props.origins).map(asRecord)) {
      const custom = origin.customOriginConfig;
      if (custom === undefined) continue;
      const config = asRecord(custom);
      if (config.originProtocolPolicy !== 'https-only') {
        problems.push(`origin ${String(origin.originId)} must use originProtocolPolicy https-only`);
      }
      const weak = asStrings(config.originSslProtocols).filter((p) => WEAK_ORIGIN_PROTOCOLS.includes(p));
      if (weak.length > 0) problems.push(`origin ${String(origin.originId)} allows ${weak.join(', ')}`);
    }
    const certificate = asRecord(props.viewerCertificate);
    if (certificate.cloudfrontDefaultCertificate === true) {
      // The default *.cloudfront.net certificate lets viewers negotiate TLS 1.0: only outside
      // production.
      if (isProduction(props)) {
        problems.push(
          'production must serve its own domain and certificate, not *.cloudfront.net (TLS 1.0 allowed)',
        );
      }
    } else if (!ACCEPTED_VIEWER_TLS_POLICIES.includes(String(certificate.minimumProtocolVersion))) {
      problems.push(
        `a custom certificate needs minimumProtocolVersion ${ACCEPTED_VIEWER_TLS_POLICIES.join(' | ')} (got ${String(certificate.minimumProtocolVersion)})`,
      );
    }
    return problems;
  },
};

export const ecrScanOnPush: SecurityRule = {
  name: 'ecr-scan-on-push-immutable',
  description: 'ECR repositories scan images on push and keep tags immutable.',
  check(type, props) {
    if (type !== 'aws:ecr/repository:Repository') return [];
    const problems: string[] = [];
    if (asRecord(props.imageScanningConfiguration).scanOnPush !== true) {
      problems.push('ECR repository must scan on push');
    }
    if (props.imageTagMutability !== 'IMMUTABLE') problems.push('ECR repository must use IMMUTABLE tags');
    return problems;
  },
};

export const eksControlPlaneLogging: SecurityRule = {
  name: 'eks-control-plane-logging',
  description: `EKS clusters send every control-plane log type (${REQUIRED_EKS_LOG_TYPES.join(', ')}) to CloudWatch.`,
  check(type, props) {
    if (type !== 'eks:index:Cluster' && type !== 'aws:eks/cluster:Cluster') return [];
    const enabled = asStrings(props.enabledClusterLogTypes);
    const missing = REQUIRED_EKS_LOG_TYPES.filter((log) => !enabled.includes(log));
    return missing.length > 0 ? [`EKS control-plane logs missing: ${missing.join(', ')}`] : [];
  },
};

export const eksEndpointNotOpenInProduction: SecurityRule = {
  name: 'eks-endpoint-not-open-in-production',
  description: 'A production EKS API endpoint is private, or public only to an allow-list (never 0.0.0.0/0).',
  check(type, props) {
    if ((type !== 'eks:index:Cluster' && type !== 'aws:eks/cluster:Cluster') || !isProduction(props))
      return [];
    const vpc = asRecord(props.vpcConfig);
    const isPublic = props.endpointPublicAccess ?? vpc.endpointPublicAccess;
    const cidrs = asStrings(props.publicAccessCidrs ?? vpc.publicAccessCidrs);
    // EKS opens a public endpoint without CIDRs to 0.0.0.0/0.
    if (isPublic === false) return [];
    if (cidrs.length === 0 || cidrs.some((c) => c.endsWith('/0'))) {
      return ['production EKS API endpoint is open to the internet: make it private or list allowed CIDRs'];
    }
    return [];
  },
};

export const albAccessLogs: SecurityRule = {
  name: 'alb-access-logs',
  description: 'Application Load Balancers write access logs to S3.',
  check(type, props) {
    if (!LOAD_BALANCER_TYPES.includes(type) || (props.loadBalancerType ?? 'application') !== 'application')
      return [];
    const logs = asRecord(props.accessLogs);
    return logs.enabled === true && typeof logs.bucket === 'string' && logs.bucket !== ''
      ? []
      : ['ALB access logs must be enabled, to an S3 bucket'];
  },
};

export const albDeletionProtectionInProduction: SecurityRule = {
  name: 'alb-deletion-protection-in-production',
  description: 'Production load balancers have deletion protection on.',
  check(type, props) {
    if (!LOAD_BALANCER_TYPES.includes(type) || !isProduction(props)) return [];
    return props.enableDeletionProtection === true
      ? []
      : ['production load balancer must enable deletion protection'];
  },
};

export const albNotReachableFromInternet: SecurityRule = {
  name: 'alb-not-reachable-from-internet',
  description:
    'No listener is reachable from outside the VPC: load balancers are internal and no security group admits the internet.',
  check(type, props) {
    if (LOAD_BALANCER_TYPES.includes(type)) {
      return props.internal === true
        ? []
        : ['load balancer must be internal (its listeners would face the internet)'];
    }
    const fromInternet = (cidrs: unknown[]) =>
      cidrs
        .map(String)
        .filter((c) => OPEN_CIDRS.has(c))
        .map((c) => `security group ingress from ${c}`);
    if (type === 'aws:ec2/securityGroup:SecurityGroup') {
      return asArray(props.ingress).flatMap((rule) => {
        const r = asRecord(rule);
        return fromInternet([...asArray(r.cidrBlocks), ...asArray(r.ipv6CidrBlocks)]);
      });
    }
    if (type === 'aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule') {
      return fromInternet([props.cidrIpv4, props.cidrIpv6]);
    }
    if (type === 'aws:ec2/securityGroupRule:SecurityGroupRule' && props.type === 'ingress') {
      return fromInternet([...asArray(props.cidrBlocks), ...asArray(props.ipv6CidrBlocks)]);
    }
    return [];
  },
};

export const SECURITY_RULES: SecurityRule[] = [
  rdsPrivateAndEncrypted,
  noPublicDatabaseIngress,
  cloudFrontHttpsOnly,
  ecrScanOnPush,
  eksControlPlaneLogging,
  eksEndpointNotOpenInProduction,
  albAccessLogs,
  albDeletionProtectionInProduction,
  albNotReachableFromInternet,
];

/** Every violation of every rule on one resource, prefixed with the rule name. */
export function violations(type: string, props: Record<string, unknown>, rules = SECURITY_RULES): string[] {
  return rules.flatMap((rule) => rule.check(type, props).map((message) => `${rule.name}: ${message}`));
}
