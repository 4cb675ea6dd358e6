// public user → CloudFront (+WAF) → API Gateway → VPC Link → internal ALB → pods (EKS) → RDS,
// all inside a private VPC. minikube runs the same chart against an in-cluster PostgreSQL.
import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { ZONE_COUNT } from './address-plan.js';
import { App, RELEASE_NAME } from './components/app.js';
import { AppNamespace } from './components/app-namespace.js';
import { CiRunner } from './components/ci-runner.js';
import { Cluster } from './components/cluster.js';
import { Database } from './components/database.js';
import { DatabaseAccess } from './components/database-access.js';
import { DatabaseAppUser } from './components/database-app-user.js';
import { Edge } from './components/edge.js';
import { InClusterDatabase } from './components/in-cluster-database.js';
import { LoadBalancer } from './components/load-balancer.js';
import { MinikubeCluster } from './components/minikube-cluster.js';
import { MinikubeImage } from './components/minikube-image.js';
import { Network } from './components/network.js';
import { NodeAutoscaler } from './components/node-autoscaler.js';
import { ServiceImage } from './components/service-image.js';
import type { AwsStackConfig, MinikubeStackConfig } from './config.js';
import { defaultDeps, loadStackConfig, type ProgramDeps } from './deps.js';
import { parseImageReference } from './image-reference.js';
import { ALB_DEREGISTRATION_LAG_SECONDS } from './load-balancer-health.js';
import { shutdownTimings } from './shutdown.js';

const APP_NAMESPACE = 'hello';
/** The chart's values file of each platform: the one home of the release's chart settings. */
const EKS_VALUES = 'values-eks.yaml';
const MINIKUBE_VALUES = 'values-minikube.yaml';
/** Local port the minikube stack's port-forward command listens on. */
const FORWARDED_PORT = 8080;

function awsStack(config: AwsStackConfig, deps: ProgramDeps) {
  const stack = pulumi.getStack();
  const prefix = `hello-${stack}`;
  // `environment` also tells the policy pack which rules are production-only.
  const tags = { app: 'high-available-server', stack, environment: config.environment };
  const chartDir = join(deps.repoRoot, 'packages/chart');
  // The drain timings of the values file the release uses; refused unless the pods keep accepting
  // requests for longer than the ALB keeps sending them to a deregistered target.
  const shutdown = shutdownTimings({
    valuesFiles: [join(chartDir, EKS_VALUES)],
    loadBalancerLagSeconds: ALB_DEREGISTRATION_LAG_SECONDS,
  });

  const network = new Network(prefix, { cidrBlock: config.vpcCidr, natGateways: config.natGateways, tags });

  const image = new ServiceImage(prefix, {
    source: config.image
      ? { prebuilt: config.image }
      : { build: { repoRoot: deps.repoRoot, tag: deps.imageTag() } },
    forceDelete: !config.deletionProtection,
    tags,
  });

  const cluster = new Cluster(prefix, {
    clusterName: prefix,
    kubernetesVersion: config.kubernetesVersion,
    vpcId: network.vpcId,
    privateSubnetIds: network.privateSubnetIds,
    zoneCount: ZONE_COUNT,
    instanceType: config.nodeInstanceType,
    minSize: config.nodeMinSize,
    desiredSize: config.nodeDesiredSize,
    maxSize: config.nodeMaxSize,
    publicAccessCidrs: config.clusterPublicAccessCidrs,
    adminPrincipalArns: config.clusterAdminPrincipalArns,
    viewerPrincipalArns: config.clusterViewerPrincipalArns,
    logRetentionDays: config.logRetentionDays,
    tags,
  });

  new NodeAutoscaler(prefix, {
    clusterName: prefix,
    region: config.region,
    provider: cluster.provider,
    clusterReady: cluster.ready,
    tags,
  });

  // The CI runner inside the VPC: what deploys a stack whose EKS endpoint is private.
  const ciRunner = config.ciRunner
    ? new CiRunner(prefix, {
        ...config.ciRunner,
        projectName: `${prefix}-gha-runner`,
        vpcId: network.vpcId,
        privateSubnetIds: network.privateSubnetIds,
        clusterSecurityGroupId: cluster.clusterSecurityGroupId,
        logRetentionDays: config.logRetentionDays,
        tags,
      })
    : undefined;

  const database = new Database(prefix, {
    identifier: `${prefix}-db`,
    vpcId: network.vpcId,
    isolatedSubnetIds: network.isolatedSubnetIds,
    clientSecurityGroupId: cluster.nodeSecurityGroupId,
    settings: config.database,
    deletionProtection: config.deletionProtection,
    logRetentionDays: config.logRetentionDays,
    tags,
  });

  const appUser = new DatabaseAppUser(prefix, {
    region: config.region,
    databaseAddress: database.address,
    databasePort: database.port,
    databaseName: database.databaseName,
    databaseSecurityGroupId: database.securityGroupId,
    masterUserSecretArn: database.masterUserSecretArn,
    kmsKeyArn: database.kmsKeyArn,
    vpcId: network.vpcId,
    privateSubnetIds: network.privateSubnetIds,
    tags,
  });

  const loadBalancer = new LoadBalancer(prefix, {
    vpcId: network.vpcId,
    privateSubnetIds: network.privateSubnetIds,
    nodeSecurityGroupId: cluster.nodeSecurityGroupId,
    clusterName: cluster.clusterName,
    region: config.region,
    provider: cluster.provider,
    clusterReady: cluster.ready,
    deregistrationDelaySeconds: shutdown.deregistrationDelaySeconds,
    deletionProtection: config.deletionProtection,
    logRetentionDays: config.logRetentionDays,
    forceDestroyLogs: !config.deletionProtection,
    tags,
  });

  const edge = new Edge(prefix, {
    vpcId: network.vpcId,
    privateSubnetIds: network.privateSubnetIds,
    albSecurityGroupId: loadBalancer.securityGroupId,
    albArn: loadBalancer.arn,
    albDnsName: loadBalancer.dnsName,
    originHeader: loadBalancer.originHeader,
    throttle: { burstLimit: config.apiThrottleBurst, rateLimit: config.apiThrottleRate },
    logRetentionDays: config.logRetentionDays,
    forceDestroyLogs: !config.deletionProtection,
    wafEnabled: config.wafEnabled,
    wafRateLimitPer5Min: config.wafRateLimitPer5Min,
    priceClass: config.cloudFrontPriceClass,
    ...(config.domain ? { domain: config.domain } : {}),
    viewerTlsPolicy: config.viewerTlsPolicy,
    tags,
  });

  const namespace = new AppNamespace(APP_NAMESPACE, {
    name: APP_NAMESPACE,
    provider: cluster.provider,
    readinessGates: true,
  });

  const databaseAccess = new DatabaseAccess(prefix, {
    region: config.region,
    clusterName: cluster.clusterName,
    clusterReady: cluster.ready,
    provider: cluster.provider,
    namespace: namespace.name,
    databaseAddress: database.address,
    databasePort: database.port,
    masterUserSecretArn: database.masterUserSecretArn,
    appUserSecretArn: appUser.secretArn,
    secretKmsKeyArn: database.kmsKeyArn,
    image: { repository: image.imageRepository, digest: image.digest },
    caBundlePem: pulumi.output(deps.fetchRdsCaBundle(config.region)),
    tags,
  });

  const app = new App(APP_NAMESPACE, {
    chartDir,
    valuesFile: EKS_VALUES,
    namespace: namespace.name,
    provider: cluster.provider,
    image: { repository: image.imageRepository, digest: image.digest },
    // DATABASE_URL without credentials, the app/owner credential Secrets, the CA the URL names.
    database: databaseAccess.forChart,
    targetGroupArn: loadBalancer.targetGroupArn,
    // The controller release waits for its webhook, so the TargetGroupBinding is admitted; on
    // destroy the same edge removes the binding before the controller.
    // The readiness gates pass only once the ALB health-checks the group the binding fills.
    dependsOn: [loadBalancer.controller, loadBalancer.targetGroupAttached, ...databaseAccess.ready],
  });
  loadBalancer.forwardOriginTrafficAfter([app.release]);
  // The rotation function refuses to rotate a login that does not work yet.
  appUser.rotateAfter([databaseAccess.appLogin]);

  return {
    publicUrl: edge.publicUrl,
    apiGatewayUrl: edge.apiUrl,
    clusterName: cluster.clusterName,
    kubeconfig: cluster.kubeconfig,
    databaseEndpoint: database.address,
    imageRepository: image.imageRepository,
    imageDigest: image.digest,
    ...(ciRunner ? { ciRunnerLabel: ciRunner.runsOnLabel } : {}),
  };
}

function minikubeStack(config: MinikubeStackConfig, deps: ProgramDeps) {
  const cluster = new MinikubeCluster('minikube', { context: config.kubeContext });
  const provider = cluster.provider;
  const namespace = new AppNamespace(APP_NAMESPACE, { name: APP_NAMESPACE, provider, readinessGates: false });

  const image = config.image
    ? parseImageReference(config.image)
    : new MinikubeImage('service-image', {
        repoRoot: deps.repoRoot,
        profile: config.kubeContext,
        tag: deps.imageTag(),
      });

  const database = new InClusterDatabase('postgres', {
    namespace: namespace.name,
    provider,
    image: config.postgresImage,
    storageGb: config.postgresStorageGb,
  });

  new App(APP_NAMESPACE, {
    chartDir: join(deps.repoRoot, 'packages/chart'),
    valuesFile: MINIKUBE_VALUES,
    namespace: namespace.name,
    provider,
    // A pinned image comes from a registry; a locally built one only exists inside minikube.
    image:
      'digest' in image
        ? { ...image, pullPolicy: 'IfNotPresent' }
        : { repository: image.repository, tag: image.tag },
    database: database.forChart,
    dependsOn: database.ready,
  });

  return {
    clusterName: cluster.clusterName,
    namespace: APP_NAMESPACE,
    // A shell command, not a URL: the Service is ClusterIP, reachable once forwarded.
    portForwardCommand: `kubectl -n ${APP_NAMESPACE} port-forward svc/${RELEASE_NAME}-high-available-server ${FORWARDED_PORT}:80`,
    forwardedUrl: `http://127.0.0.1:${FORWARDED_PORT}`,
  };
}

/** The Pulumi entry point (default export: Pulumi calls it and exports what it returns). */
export default async function highAvailableServer(deps: ProgramDeps = defaultDeps()) {
  const config = loadStackConfig();
  return config.platform === 'aws' ? awsStack(config, deps) : minikubeStack(config, deps);
}
