import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';

export interface MinikubeClusterArgs {
  /** kubeconfig context (minikube names it after the profile). */
  context: string;
}

/** The cluster box on minikube: nothing to create, only the provider bound to its context. */
export class MinikubeCluster extends pulumi.ComponentResource {
  readonly clusterName: string;
  readonly provider: k8s.Provider;

  constructor(name: string, args: MinikubeClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super('high-available-server:minikube:Cluster', name, {}, opts);
    this.clusterName = args.context;
    this.provider = new k8s.Provider(name, { context: args.context }, { parent: this });
    this.registerOutputs({});
  }
}
