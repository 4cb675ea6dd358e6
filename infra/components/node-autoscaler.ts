import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { podIdentityRole } from './pod-identity.js';

/**
 * Chart 9.52.1 ships Cluster Autoscaler 1.34.1. Its minor must be the cluster's Kubernetes minor
 * (it runs the scheduler's own code to simulate placements): bump both together.
 */
export const CLUSTER_AUTOSCALER = {
  chart: 'cluster-autoscaler',
  version: '9.52.1',
  repo: 'https://kubernetes.github.io/autoscaler',
  kubernetesVersion: '1.34',
};
const NAMESPACE = 'kube-system';
const SERVICE_ACCOUNT = 'cluster-autoscaler';

export interface NodeAutoscalerArgs {
  clusterName: string;
  region: string;
  provider: k8s.Provider;
  /** The cluster, its node groups and the Pod Identity agent. */
  clusterReady: pulumi.Input<pulumi.Resource>[];
  tags: Record<string, string>;
}

/**
 * The Cluster Autoscaler, finding the per-AZ managed node groups by the tags EKS puts on their
 * Auto Scaling groups. It adds a node when a pod is Pending because no node fits it, simulating
 * the scheduler (zone spread included): since each group lives in one AZ, the group it grows is
 * in the zone the pod needs. It removes nodes that stay underused. Allowed (Pod Identity) to read
 * Auto Scaling, EC2 and node-group descriptions, and to change only this cluster's groups.
 */
export class NodeAutoscaler extends pulumi.ComponentResource {
  readonly release: k8s.helm.v3.Release;

  constructor(name: string, args: NodeAutoscalerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('high-available-server:aws:NodeAutoscaler', name, {}, opts);

    const { role, association } = podIdentityRole(
      `${name}-node-autoscaler`,
      {
        clusterName: args.clusterName,
        namespace: NAMESPACE,
        serviceAccount: SERVICE_ACCOUNT,
        tags: args.tags,
        clusterReady: args.clusterReady,
      },
      this,
    );
    const policy = new aws.iam.RolePolicy(
      `${name}-node-autoscaler`,
      {
        role: role.name,
        policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            {
              Sid: 'Read',
              Effect: 'Allow',
              Action: [
                'autoscaling:DescribeAutoScalingGroups',
                'autoscaling:DescribeAutoScalingInstances',
                'autoscaling:DescribeLaunchConfigurations',
                'autoscaling:DescribeScalingActivities',
                'autoscaling:DescribeTags',
                'ec2:DescribeImages',
                'ec2:DescribeInstanceTypes',
                'ec2:DescribeLaunchTemplateVersions',
                'ec2:GetInstanceTypesFromInstanceRequirements',
                'eks:DescribeNodegroup',
              ],
              Resource: '*',
            },
            {
              // EKS tags every managed node group's Auto Scaling group with this key.
              Sid: 'ScaleThisClustersGroups',
              Effect: 'Allow',
              Action: ['autoscaling:SetDesiredCapacity', 'autoscaling:TerminateInstanceInAutoScalingGroup'],
              Resource: '*',
              Condition: {
                StringEquals: { [`aws:ResourceTag/k8s.io/cluster-autoscaler/${args.clusterName}`]: 'owned' },
              },
            },
          ],
        }),
      },
      { parent: this },
    );

    this.release = new k8s.helm.v3.Release(
      `${name}-node-autoscaler`,
      {
        name: 'cluster-autoscaler',
        chart: CLUSTER_AUTOSCALER.chart,
        version: CLUSTER_AUTOSCALER.version,
        repositoryOpts: { repo: CLUSTER_AUTOSCALER.repo },
        namespace: NAMESPACE,
        atomic: true,
        timeout: 600,
        values: {
          cloudProvider: 'aws',
          // Given explicitly: with IMDS hop limit 1 the pod cannot look the region up.
          awsRegion: args.region,
          autoDiscovery: { clusterName: args.clusterName },
          rbac: { serviceAccount: { create: true, name: SERVICE_ACCOUNT } },
          extraArgs: {
            // Keep the per-AZ groups the same size when several could take a pod.
            'balance-similar-node-groups': true,
            expander: 'least-waste',
          },
          resources: { requests: { cpu: '100m', memory: '300Mi' }, limits: { memory: '300Mi' } },
          containerSecurityContext: {
            allowPrivilegeEscalation: false,
            readOnlyRootFilesystem: true,
            capabilities: { drop: ['ALL'] },
          },
        },
      },
      { parent: this, provider: args.provider, dependsOn: [association, policy] },
    );
    this.registerOutputs({});
  }
}
