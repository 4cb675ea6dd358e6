// public user → CloudFront (+WAF) → API Gateway → VPC Link → internal ALB → pods (EKS) → RDS,
// all inside a private VPC. minikube runs the same chart against an in-cluster PostgreSQL.
import { join } from 'node:path';
import * as pulumi from '@pulumi/pulumi';
import { App, RELEASE_NAME } from './components/app.js';
import { AppNamespace } from './components/app-namespace.js';
import { CiRunner } from './components/ci-runner.js';
import { Cluster } from './components/cluster.js';
import { Database } from './components/database.js';
import {
  CA_BUNDLE_KEY,
  DATABASE_SECRET_KEY,
  DATABASE_SECRET_NAME,
  DatabaseAccess,
} from './components/database-access.js';
import { Edge } from './components/edge.js';
import { InClusterDatabase } from './components/in-cluster-database.js';
import { LoadBalancer } from './components/load-balancer.js';
import { MinikubeCluster } from './components/minikube-cluster.js';
import { MinikubeImage } from './components/minikube-image.js';
import { Network } from './components/network.js';
import { ServiceImage } from './components/service-image.js';
import type { AwsStackConfig, MinikubeStackConfig } from './config.js';
import { defaultDeps, loadStackConfig, type ProgramDeps } from './deps.js';
import { parseImageReference } from './image-reference.js';
import { shutdownTimings } from './shutdown.js';

const APP_NAMESPACE = 'hello';

function awsStack(config: AwsStackConfig, deps: ProgramDeps) {
  const stack = pulumi.getStack();
  const prefix = `hello-${stack}`;
  // `environment` also tells the policy pack which rules are production-only.
  const tags = { app: 'high-available-server', stack, environment: config.environment };
  const shutdown = shutdownTimings();

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
    instanceType: config.nodeInstanceType,
    minSize: config.nodeMinSize,
    desiredSize: config.nodeDesiredSize,
    maxSize: config.nodeMaxSize,
    publicAccessCidrs: config.clusterPublicAccessCidrs,
    adminPrincipalArns: config.clusterAdminPrincipalArns,
    logRetentionDays: config.logRetentionDays,
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
    secretKmsKeyArn: database.kmsKeyArn,
    caBundlePem: pulumi.output(deps.fetchRdsCaBundle(config.region)),
    tags,
  });

  new App(APP_NAMESPACE, {
    chartDir: join(deps.repoRoot, 'packages/chart'),
    valuesFile: 'values-eks.yaml',
    namespace: namespace.name,
    provider: cluster.provider,
    image: { repository: image.imageRepository, digest: image.digest },
    replicas: config.replicas,
    database: {
      secretName: databaseAccess.secretName,
      secretKey: DATABASE_SECRET_KEY,
      // The key DatabaseAccess writes the CA under, so the chart mounts that very file.
      caBundle: { configMapName: databaseAccess.caBundleConfigMapName, key: CA_BUNDLE_KEY },
    },
    shutdown,
    targetGroupArn: loadBalancer.targetGroupArn,
    // The controller release waits for its webhook, so the TargetGroupBinding is admitted; on
    // destroy the same edge removes the binding before the controller.
    dependsOn: [loadBalancer.controller, ...databaseAccess.ready],
  });

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
  const shutdown = shutdownTimings();

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
    secretName: DATABASE_SECRET_NAME,
    secretKey: DATABASE_SECRET_KEY,
  });

  new App(APP_NAMESPACE, {
    chartDir: join(deps.repoRoot, 'packages/chart'),
    valuesFile: 'values-minikube.yaml',
    namespace: namespace.name,
    provider,
    // A pinned image comes from a registry; a locally built one only exists inside minikube.
    image:
      'digest' in image
        ? { ...image, pullPolicy: 'IfNotPresent' }
        : { repository: image.repository, tag: image.tag },
    replicas: config.replicas,
    database: { secretName: database.secretName, secretKey: DATABASE_SECRET_KEY },
    shutdown,
    dependsOn: database.ready,
  });

  return {
    clusterName: cluster.clusterName,
    namespace: APP_NAMESPACE,
    localUrl: `kubectl -n ${APP_NAMESPACE} port-forward svc/${RELEASE_NAME}-high-available-server 8080:80  # then http://127.0.0.1:8080`,
  };
}

/** The Pulumi entry point (default export: Pulumi calls it and exports what it returns). */
export default async function highAvailableServer(deps: ProgramDeps = defaultDeps()) {
  const config = loadStackConfig();
  return config.platform === 'aws' ? awsStack(config, deps) : minikubeStack(config, deps);
}
