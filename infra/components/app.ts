import { join } from 'node:path';
import { chartValues } from '@high-available-server/chart';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { ShutdownTimings } from '../shutdown.js';

export const RELEASE_NAME = 'hello';

export interface AppImage {
  repository: pulumi.Input<string>;
  /** Deploy by digest when known (AWS); minikube's locally built image only has a tag. */
  digest?: pulumi.Input<string>;
  tag?: pulumi.Input<string>;
  /** Overrides the values file's pull policy (minikube's is Never, for locally built images). */
  pullPolicy?: 'IfNotPresent' | 'Never' | 'Always';
}

/**
 * How the pods reach PostgreSQL (CONTRACTS.md, "Database credentials"): DATABASE_URL as a plain value
 * without credentials, and the user and password as files from two Secrets: the app role's for the
 * servers, the owner role's for the migration Job.
 */
export interface AppDatabase {
  /** DATABASE_URL: host, port, database, TLS options; no user or password. */
  url?: pulumi.Input<string>;
  /** Secret (keys username, password) of the app role, mounted in the server pods. */
  appSecretName?: pulumi.Input<string>;
  /** Secret (same keys) of the owner role, mounted in the migration Job only. */
  ownerSecretName?: pulumi.Input<string>;
  /**
   * @deprecated A Secret holding the whole URL, password included (an env var: a rotated password
   * needs a restart). Used until the program writes the credential Secrets; then `url` replaces it.
   */
  secretName?: pulumi.Input<string>;
  /** @deprecated Key of the whole URL in `secretName`. */
  secretKey?: string;
  /** ConfigMap (and key in it) holding the database CA, mounted so DATABASE_URL can verify TLS. */
  caBundle?: { configMapName: pulumi.Input<string>; key: string };
}

export interface AppArgs {
  chartDir: string;
  /** `values-eks.yaml` or `values-minikube.yaml` inside the chart. */
  valuesFile: string;
  namespace: pulumi.Input<string>;
  provider: k8s.Provider;
  image: AppImage;
  /**
   * @deprecated The replica count lives in the values file (`replicaCount`); index.ts stops passing
   * it. Until then a value that differs from the file's is refused rather than silently ignored.
   */
  replicas?: number;
  database: AppDatabase;
  /**
   * @deprecated Ignored: the drain timings live in the chart's `shutdown` values block, which the pods
   * read directly and `shutdownTimings()` reads for the target group. index.ts stops passing them.
   */
  shutdown?: ShutdownTimings;
  /** EKS: the Pulumi-owned target group the values file's TargetGroupBinding binds the pods to. */
  targetGroupArn?: pulumi.Input<string>;
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

function databaseValues(database: AppDatabase) {
  const { url, appSecretName, ownerSecretName, secretName, secretKey, caBundle } = database;
  if (!url && !secretName)
    throw new Error('App needs database.url (or, until the credential Secrets exist, secretName)');
  return {
    ...(url ? { url } : {}),
    ...(secretName ? { existingSecret: secretName } : {}),
    ...(secretKey ? { secretKey } : {}),
    ...(appSecretName || ownerSecretName
      ? {
          credentials: {
            ...(appSecretName ? { appSecret: appSecretName } : {}),
            ...(ownerSecretName ? { ownerSecret: ownerSecretName } : {}),
          },
        }
      : {}),
    ...(caBundle ? { caBundle } : {}),
  };
}

/**
 * The three pods: the repository's chart as a Helm release. Release rather than Chart v4: helm's
 * atomic install/upgrade waits for the rollout (and the migration job) and rolls back on
 * failure, and the chart's hooks run the way `helm` runs them.
 */
export class App extends pulumi.ComponentResource {
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: AppArgs, opts?: pulumi.ComponentResourceOptions) {
    super('high-available-server:k8s:App', name, {}, opts);

    const replicaCount = chartValues([args.valuesFile]).replicaCount;
    if (args.replicas !== undefined && args.replicas !== replicaCount) {
      throw new Error(
        `replicas=${args.replicas} differs from replicaCount=${String(replicaCount)} in the chart's ${args.valuesFile}: ` +
          'the values file is the one home of chart settings; change replicaCount there.',
      );
    }

    // Only what the program alone knows: everything else comes from the values file.
    const values = {
      image: {
        repository: args.image.repository,
        ...(args.image.digest ? { digest: args.image.digest } : {}),
        ...(args.image.tag ? { tag: args.image.tag } : {}),
        ...(args.image.pullPolicy ? { pullPolicy: args.image.pullPolicy } : {}),
      },
      database: databaseValues(args.database),
      ...(args.targetGroupArn ? { targetGroupBinding: { targetGroupArn: args.targetGroupArn } } : {}),
    };

    this.release = new k8s.helm.v3.Release(
      name,
      {
        name: RELEASE_NAME,
        chart: args.chartDir,
        namespace: args.namespace,
        valueYamlFiles: [new pulumi.asset.FileAsset(join(args.chartDir, args.valuesFile))],
        values,
        atomic: true,
        cleanupOnFail: true,
        waitForJobs: true,
        timeout: 600,
      },
      { parent: this, provider: args.provider, dependsOn: args.dependsOn },
    );
    this.registerOutputs({ status: this.release.status });
  }
}
