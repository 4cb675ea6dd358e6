import { join } from 'node:path';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { DatabaseForChart } from '../database-names.js';

export const RELEASE_NAME = 'hello';

export interface AppImage {
  repository: pulumi.Input<string>;
  /** Deploy by digest when known (AWS); minikube's locally built image only has a tag. */
  digest?: pulumi.Input<string>;
  tag?: pulumi.Input<string>;
  /** Overrides the values file's pull policy (minikube's is Never, for locally built images). */
  pullPolicy?: 'IfNotPresent' | 'Never' | 'Always';
}

export interface AppArgs {
  chartDir: string;
  /** `values-eks.yaml` or `values-minikube.yaml` inside the chart: every other chart setting. */
  valuesFile: string;
  namespace: pulumi.Input<string>;
  provider: k8s.Provider;
  image: AppImage;
  /**
   * How the pods reach PostgreSQL (CONTRACTS.md, "Database credentials"): DATABASE_URL as a plain
   * value without credentials, and the user and password as files from two Secrets: the app role's
   * for the servers, the owner role's for the migration Job.
   */
  database: DatabaseForChart;
  /** EKS: the Pulumi-owned target group the values file's TargetGroupBinding binds the pods to. */
  targetGroupArn?: pulumi.Input<string>;
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

function databaseValues({ url, appSecretName, ownerSecretName, caBundle }: DatabaseForChart) {
  return {
    url,
    credentials: { appSecret: appSecretName, ownerSecret: ownerSecretName },
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
