// Typed stack configuration. Every key lives in the `high-available-server:` namespace of
// Pulumi.<stack>.yaml; `aws:region` comes from the AWS provider namespace. All problems are
// collected and reported together so a broken stack file is fixed in one pass.

import { vpcCidrProblem, ZONE_COUNT } from './address-plan.js';

export type Platform = 'aws' | 'minikube';
export type NatStrategy = 'Single' | 'OnePerAz';
/** production: the checks a production account needs are enforced (see PRODUCTION_RULES below). */
export type Environment = 'development' | 'production';
/** CloudFront viewer security policies at TLS 1.2 (2021 cipher list) or newer. */
export const VIEWER_TLS_POLICIES = ['TLSv1.2_2021', 'TLSv1.2_2025', 'TLSv1.3_2025'] as const;
export type ViewerTlsPolicy = (typeof VIEWER_TLS_POLICIES)[number];

export interface DatabaseConfig {
  instanceClass: string;
  allocatedStorageGb: number;
  maxAllocatedStorageGb: number;
  engineVersion: string;
  multiAz: boolean;
  backupRetentionDays: number;
  performanceInsights: boolean;
  logExports: boolean;
  /** Destroying the database takes a final snapshot and keeps its automated backups. */
  finalSnapshot: boolean;
}

export interface DomainConfig {
  name: string;
  /** ACM certificate in us-east-1 (CloudFront only reads certificates from there). */
  certificateArn: string;
  /** When set, an alias record for `name` is created in this Route 53 zone. */
  hostedZoneId?: string;
}

/**
 * GitHub Actions runners hosted by AWS CodeBuild inside the VPC: what deploys a stack whose
 * EKS endpoint is private. The connection (CodeConnections, GitHub App) is made once by hand.
 */
export interface CiRunnerConfig {
  /** `owner/name` of the GitHub repository whose workflow jobs the runner takes. */
  githubRepository: string;
  /** ARN of the CodeConnections connection to GitHub. */
  connectionArn: string;
}

export interface AwsStackConfig {
  platform: 'aws';
  environment: Environment;
  region: string;
  /** Image reference with digest; when set it is deployed as is and nothing is built. */
  image?: string;
  vpcCidr: string;
  natGateways: NatStrategy;
  kubernetesVersion: string;
  nodeInstanceType: string;
  nodeMinSize: number;
  nodeDesiredSize: number;
  nodeMaxSize: number;
  /** CIDRs allowed to reach the public EKS API endpoint; empty = public endpoint off. */
  clusterPublicAccessCidrs: string[];
  /** IAM principals granted cluster-admin through EKS access entries. */
  clusterAdminPrincipalArns: string[];
  /**
   * IAM principals granted view-only access (AmazonEKSViewPolicy, whole cluster) through EKS access
   * entries: the pull-request preview roles, which diff the Kubernetes objects and change nothing.
   */
  clusterViewerPrincipalArns: string[];
  database: DatabaseConfig;
  /** RDS and ALB deletion protection; off in dev so `pulumi destroy` runs through. */
  deletionProtection: boolean;
  wafEnabled: boolean;
  wafRateLimitPer5Min: number;
  apiThrottleBurst: number;
  apiThrottleRate: number;
  cloudFrontPriceClass: 'PriceClass_100' | 'PriceClass_200' | 'PriceClass_All';
  logRetentionDays: number;
  domain?: DomainConfig;
  /** Minimum TLS policy CloudFront offers viewers on the custom domain. */
  viewerTlsPolicy: ViewerTlsPolicy;
  ciRunner?: CiRunnerConfig;
}

export interface MinikubeStackConfig {
  platform: 'minikube';
  image?: string;
  kubeContext: string;
  postgresImage: string;
  postgresStorageGb: number;
}

export type StackConfig = AwsStackConfig | MinikubeStackConfig;

/** Reads one raw config value (as Pulumi hands it over: structured values arrive as JSON). */
export type ConfigReader = (key: string) => string | undefined;

const MIN_KUBERNETES_MINOR = 33;
const LOG_RETENTION_DAYS = [1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 3653];
const IMAGE_WITH_DIGEST = /^[a-z0-9][a-z0-9._\-/:]*@sha256:[a-f0-9]{64}$/;
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const ARN = /^arn:aws[a-z-]*:/;
const GITHUB_REPOSITORY = /^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/;

export class StackConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid stack config (high-available-server:*):\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'StackConfigError';
  }
}

/** Collects typed values and the problems found while reading them. */
class Reader {
  readonly problems: string[] = [];
  constructor(private readonly read: ConfigReader) {}

  private raw(key: string): string | undefined {
    const value = this.read(key);
    return value === undefined || value === '' ? undefined : value;
  }

  optionalString(key: string): string | undefined {
    return this.raw(key);
  }

  string(key: string, fallback?: string): string {
    const value = this.raw(key) ?? fallback;
    if (value === undefined) {
      this.problems.push(`${key} is required`);
      return '';
    }
    return value;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback?: T): T {
    const value = this.string(key, fallback);
    if (value !== '' && !allowed.includes(value as T)) {
      this.problems.push(`${key} must be one of ${allowed.join(' | ')} (got '${value}')`);
    }
    return value as T;
  }

  int(key: string, min: number, max: number, fallback?: number): number {
    const value = this.raw(key);
    if (value === undefined) {
      if (fallback === undefined) this.problems.push(`${key} is required`);
      return fallback ?? min;
    }
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      this.problems.push(`${key} must be an integer from ${min} to ${max} (got '${value}')`);
      return min;
    }
    return parsed;
  }

  bool(key: string, fallback?: boolean): boolean {
    const value = this.raw(key);
    if (value === undefined) {
      if (fallback === undefined) this.problems.push(`${key} is required (true or false)`);
      return fallback ?? false;
    }
    if (value !== 'true' && value !== 'false') {
      this.problems.push(`${key} must be true or false (got '${value}')`);
      return false;
    }
    return value === 'true';
  }

  stringList(key: string): string[] {
    const value = this.raw(key);
    if (value === undefined) return [];
    try {
      const parsed: unknown = JSON.parse(value);
      if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')) return parsed;
    } catch {
      // reported below
    }
    this.problems.push(`${key} must be a list of strings (got '${value}')`);
    return [];
  }
}

function isCidr(value: string): boolean {
  const match = CIDR.exec(value);
  if (!match) return false;
  const [, a, b, c, d, bits] = match.map(Number);
  return (
    [a, b, c, d].every((octet) => octet !== undefined && octet <= 255) && bits !== undefined && bits <= 32
  );
}

/** A CIDR that covers every IPv4 address (any address with prefix length 0). */
function coversEverything(cidr: string): boolean {
  return /\/0$/.test(cidr.trim());
}

function kubernetesMinor(version: string): number | undefined {
  const match = /^1\.(\d+)$/.exec(version);
  return match ? Number(match[1]) : undefined;
}

function readImage(reader: Reader): string | undefined {
  const image = reader.optionalString('image');
  if (image !== undefined && !IMAGE_WITH_DIGEST.test(image)) {
    reader.problems.push(
      `image must be an image reference pinned by digest, e.g. <registry>/<repo>@sha256:<64 hex> (got '${image}')`,
    );
  }
  return image;
}

/**
 * Keys that moved out of the stack files: a stack file still setting one would otherwise be
 * silently ignored, so it is refused with where the setting lives now.
 */
const MOVED_KEYS: Record<string, string> = {
  replicas:
    "the replica count lives in the chart's values file of the stack (replicaCount in packages/chart/values-eks.yaml or values-minikube.yaml); remove it from the stack file",
};

function refuseMovedKeys(reader: Reader): void {
  for (const [key, where] of Object.entries(MOVED_KEYS)) {
    if (reader.optionalString(key) !== undefined)
      reader.problems.push(`${key} is no longer a stack setting: ${where}`);
  }
}

function readAws(reader: Reader, region: string | undefined): AwsStackConfig {
  if (region === undefined || region === '') reader.problems.push('aws:region is required for platform aws');

  const kubernetesVersion = reader.string('kubernetesVersion');
  const minor = kubernetesMinor(kubernetesVersion);
  if (kubernetesVersion !== '' && (minor === undefined || minor < MIN_KUBERNETES_MINOR)) {
    reader.problems.push(
      `kubernetesVersion must be a pinned '1.<minor>' of at least 1.${MIN_KUBERNETES_MINOR} (got '${kubernetesVersion}')`,
    );
  }

  const nodeMinSize = reader.int('nodeMinSize', 1, 100);
  const nodeDesiredSize = reader.int('nodeDesiredSize', 1, 100);
  const nodeMaxSize = reader.int('nodeMaxSize', 1, 100);
  if (nodeMaxSize < ZONE_COUNT) {
    reader.problems.push(
      `nodeMaxSize must be at least ${ZONE_COUNT}, so each AZ's node group can hold a node (got ${nodeMaxSize})`,
    );
  }
  if (!(nodeMinSize <= nodeDesiredSize && nodeDesiredSize <= nodeMaxSize)) {
    reader.problems.push(
      `node sizes must satisfy nodeMinSize <= nodeDesiredSize <= nodeMaxSize (got ${nodeMinSize}/${nodeDesiredSize}/${nodeMaxSize})`,
    );
  }

  const vpcCidr = reader.string('vpcCidr', '10.0.0.0/16');
  const vpcProblem = vpcCidrProblem(vpcCidr);
  if (vpcProblem) reader.problems.push(`vpcCidr: ${vpcProblem}`);

  const clusterPublicAccessCidrs = reader.stringList('clusterPublicAccessCidrs');
  for (const cidr of clusterPublicAccessCidrs.filter((c) => !isCidr(c))) {
    reader.problems.push(`clusterPublicAccessCidrs: '${cidr}' is not an IPv4 CIDR`);
  }
  const clusterAdminPrincipalArns = reader.stringList('clusterAdminPrincipalArns');
  for (const arn of clusterAdminPrincipalArns.filter((a) => !ARN.test(a))) {
    reader.problems.push(`clusterAdminPrincipalArns: '${arn}' is not an IAM ARN`);
  }
  const clusterViewerPrincipalArns = reader.stringList('clusterViewerPrincipalArns');
  for (const arn of clusterViewerPrincipalArns.filter((a) => !ARN.test(a))) {
    reader.problems.push(`clusterViewerPrincipalArns: '${arn}' is not an IAM ARN`);
  }
  // EKS holds one access entry per principal: a second one fails the update half-way.
  const principals = [...clusterAdminPrincipalArns, ...clusterViewerPrincipalArns];
  for (const arn of new Set(principals.filter((a, i) => principals.indexOf(a) !== i))) {
    reader.problems.push(
      `'${arn}' is listed more than once in clusterAdminPrincipalArns/clusterViewerPrincipalArns: a principal gets one access entry (admin or viewer)`,
    );
  }

  const database: DatabaseConfig = {
    instanceClass: reader.string('dbInstanceClass'),
    allocatedStorageGb: reader.int('dbAllocatedStorageGb', 20, 65536, 20),
    maxAllocatedStorageGb: reader.int('dbMaxAllocatedStorageGb', 20, 65536, 100),
    engineVersion: reader.string('dbEngineVersion', '17'),
    multiAz: reader.bool('dbMultiAz'),
    backupRetentionDays: reader.int('dbBackupRetentionDays', 7, 35, 7),
    performanceInsights: reader.bool('dbPerformanceInsights', false),
    logExports: reader.bool('dbLogExports', false),
    finalSnapshot: reader.bool('dbFinalSnapshot', true),
  };
  if (database.instanceClass !== '' && !database.instanceClass.startsWith('db.')) {
    reader.problems.push(
      `dbInstanceClass must be an RDS class like db.t4g.micro (got '${database.instanceClass}')`,
    );
  }
  if (database.maxAllocatedStorageGb < database.allocatedStorageGb) {
    reader.problems.push('dbMaxAllocatedStorageGb must be at least dbAllocatedStorageGb');
  }

  const logRetentionDays = reader.int('logRetentionDays', 1, 3653, 30);
  if (!LOG_RETENTION_DAYS.includes(logRetentionDays)) {
    reader.problems.push(
      `logRetentionDays must be one of ${LOG_RETENTION_DAYS.join(', ')} (got ${logRetentionDays})`,
    );
  }

  const domainName = reader.optionalString('domain');
  const certificateArn = reader.optionalString('certificateArn');
  const hostedZoneId = reader.optionalString('hostedZoneId');
  let domain: DomainConfig | undefined;
  if (domainName !== undefined) {
    if (certificateArn === undefined || !certificateArn.startsWith('arn:aws:acm:us-east-1:')) {
      reader.problems.push('certificateArn (an ACM certificate in us-east-1) is required when domain is set');
    }
    domain = {
      name: domainName,
      certificateArn: certificateArn ?? '',
      ...(hostedZoneId ? { hostedZoneId } : {}),
    };
  } else if (certificateArn !== undefined || hostedZoneId !== undefined) {
    reader.problems.push('certificateArn and hostedZoneId only apply together with domain');
  }

  const viewerTlsPolicy = reader.oneOf('viewerTlsPolicy', VIEWER_TLS_POLICIES, 'TLSv1.2_2021');
  const ciRunner = readCiRunner(reader);
  const environment = reader.oneOf('environment', ['development', 'production'] as const);
  const wafEnabled = reader.bool('wafEnabled');
  if (environment === 'production') {
    checkProduction(reader, { clusterPublicAccessCidrs, domain, ciRunner, wafEnabled });
  }

  const image = readImage(reader);
  return {
    platform: 'aws',
    environment,
    region: region ?? '',
    ...(image ? { image } : {}),
    vpcCidr,
    natGateways: reader.oneOf('natGateways', ['Single', 'OnePerAz'] as const),
    kubernetesVersion,
    nodeInstanceType: reader.string('nodeInstanceType'),
    nodeMinSize,
    nodeDesiredSize,
    nodeMaxSize,
    clusterPublicAccessCidrs,
    clusterAdminPrincipalArns,
    clusterViewerPrincipalArns,
    database,
    deletionProtection: reader.bool('deletionProtection'),
    wafEnabled,
    wafRateLimitPer5Min: reader.int('wafRateLimitPer5Min', 10, 2_000_000_000, 2000),
    apiThrottleBurst: reader.int('apiThrottleBurst', 1, 5000, 200),
    apiThrottleRate: reader.int('apiThrottleRate', 1, 10000, 100),
    cloudFrontPriceClass: reader.oneOf(
      'cloudFrontPriceClass',
      ['PriceClass_100', 'PriceClass_200', 'PriceClass_All'] as const,
      'PriceClass_100',
    ),
    logRetentionDays,
    ...(domain ? { domain } : {}),
    viewerTlsPolicy,
    ...(ciRunner ? { ciRunner } : {}),
  };
}

function readCiRunner(reader: Reader): CiRunnerConfig | undefined {
  const githubRepository = reader.optionalString('ciRunnerGithubRepository');
  const connectionArn = reader.optionalString('ciRunnerConnectionArn');
  if (githubRepository === undefined && connectionArn === undefined) return undefined;
  if (githubRepository === undefined || !GITHUB_REPOSITORY.test(githubRepository)) {
    reader.problems.push(
      `ciRunnerGithubRepository must be 'owner/name' of the GitHub repository (got '${githubRepository ?? ''}')`,
    );
  }
  if (
    connectionArn === undefined ||
    !/^arn:aws[a-z-]*:(codeconnections|codestar-connections):/.test(connectionArn)
  ) {
    reader.problems.push(
      `ciRunnerConnectionArn must be the ARN of a CodeConnections connection to GitHub (got '${connectionArn ?? ''}')`,
    );
  }
  return { githubRepository: githubRepository ?? '', connectionArn: connectionArn ?? '' };
}

/**
 * What a production stack must have on top of the general checks: a control plane that is not
 * open to the internet, a custom domain with its own certificate (so viewers get TLS 1.2+,
 * not the default *.cloudfront.net certificate's TLS 1.0 floor), the WAF, and a way for CI to
 * reach a private control plane.
 */
function checkProduction(
  reader: Reader,
  stack: {
    clusterPublicAccessCidrs: string[];
    domain: DomainConfig | undefined;
    ciRunner: CiRunnerConfig | undefined;
    wafEnabled: boolean;
  },
): void {
  for (const cidr of stack.clusterPublicAccessCidrs.filter(coversEverything)) {
    reader.problems.push(
      `clusterPublicAccessCidrs: '${cidr}' opens the production EKS API endpoint to the internet; use [] (private endpoint, deploys from the CodeBuild runner in the VPC) or an allow-list of your own CIDRs`,
    );
  }
  if (stack.domain === undefined) {
    reader.problems.push(
      'domain and certificateArn are required in production: without them CloudFront serves *.cloudfront.net, whose certificate lets viewers negotiate TLS 1.0',
    );
  }
  if (!stack.wafEnabled) reader.problems.push('wafEnabled must be true in production');
  if (stack.clusterPublicAccessCidrs.length === 0 && stack.ciRunner === undefined) {
    reader.problems.push(
      'ciRunnerGithubRepository and ciRunnerConnectionArn are required in production while the EKS endpoint is private: the CodeBuild runner in the VPC is what deploys it',
    );
  }
}

function readMinikube(reader: Reader): MinikubeStackConfig {
  const image = readImage(reader);
  return {
    platform: 'minikube',
    ...(image ? { image } : {}),
    kubeContext: reader.string('kubeContext', 'minikube'),
    postgresImage: reader.string('postgresImage', 'postgres:17.6-alpine'),
    postgresStorageGb: reader.int('postgresStorageGb', 1, 100, 1),
  };
}

/**
 * Parses and validates the stack config.
 * @param read reads `high-available-server:<key>`
 * @param region the value of `aws:region` (ignored on minikube)
 */
export function parseStackConfig(read: ConfigReader, region: string | undefined): StackConfig {
  const reader = new Reader(read);
  const platform = reader.oneOf('platform', ['aws', 'minikube'] as const);
  // Without a known platform the other keys mean nothing yet.
  if (reader.problems.length > 0) throw new StackConfigError(reader.problems);
  refuseMovedKeys(reader);
  const config = platform === 'minikube' ? readMinikube(reader) : readAws(reader, region);
  if (reader.problems.length > 0) throw new StackConfigError(reader.problems);
  return config;
}
