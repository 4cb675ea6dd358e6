import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';

export interface AppNamespaceArgs {
  name: string;
  provider: k8s.Provider;
  /** Label the namespace for the AWS LB controller's pod readiness gates (EKS only). */
  readinessGates: boolean;
}

/**
 * The app's namespace: Pod Security "restricted" enforced, and on EKS readiness gates injected,
 * so a rolling update only proceeds once the ALB reports the new pod healthy.
 */
export class AppNamespace extends pulumi.ComponentResource {
  readonly name: pulumi.Output<string>;
  readonly namespace: k8s.core.v1.Namespace;

  constructor(name: string, args: AppNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super('high-available-server:k8s:AppNamespace', name, {}, opts);
    this.namespace = new k8s.core.v1.Namespace(
      name,
      {
        metadata: {
          name: args.name,
          labels: {
            'pod-security.kubernetes.io/enforce': 'restricted',
            'pod-security.kubernetes.io/enforce-version': 'latest',
            'pod-security.kubernetes.io/warn': 'restricted',
            'pod-security.kubernetes.io/audit': 'restricted',
            ...(args.readinessGates ? { 'elbv2.k8s.aws/pod-readiness-gate-inject': 'enabled' } : {}),
          },
        },
      },
      { parent: this, provider: args.provider },
    );
    this.name = this.namespace.metadata.name;
    this.registerOutputs({ name: this.name });
  }
}
