import * as aws from '@pulumi/aws';
import * as eks from '@pulumi/eks';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { nodeCountsPerZone } from '../node-zones.js';

const CONTROL_PLANE_LOG_TYPES = ['api', 'audit', 'authenticator', 'controllerManager', 'scheduler'];

export interface ClusterArgs {
  clusterName: string;
  kubernetesVersion: string;
  vpcId: pulumi.Input<string>;
  /** One per AZ, in AZ order: each gets its own node group. */
  privateSubnetIds: pulumi.Input<string[]>;
  zoneCount: number;
  instanceType: string;
  minSize: number;
  desiredSize: number;
  maxSize: number;
  /** Empty: the API endpoint is private only (reachable from inside the VPC). */
  publicAccessCidrs: string[];
  adminPrincipalArns: string[];
  /** View-only principals (the preview roles): AmazonEKSViewPolicy on the whole cluster. */
  viewerPrincipalArns: string[];
  /** Retention of the control-plane log group (audit logs are the largest log cost). */
  logRetentionDays: number;
  tags: Record<string, string>;
}

function zoneSubnet(ids: string[], zone: number): string {
  const id = ids[zone];
  if (!id) throw new Error(`no private subnet for AZ ${zone + 1} (got ${ids.length} subnets)`);
  return id;
}

/**
 * EKS with private nodes: one managed node group per AZ (so the Cluster Autoscaler can grow the
 * zone a pending pod needs; it owns their desired sizes), IMDSv2 only,
 * encrypted root volumes, secrets envelope-encrypted with a rotating KMS key, every control-plane
 * log type, access entries instead of aws-auth, and the Pod Identity agent for workload IAM.
 */
export class Cluster extends pulumi.ComponentResource {
  readonly clusterName: pulumi.Output<string>;
  readonly kubeconfig: pulumi.Output<string>;
  readonly nodeSecurityGroupId: pulumi.Output<string>;
  /** Security group of the control plane's ENIs (the private endpoint). */
  readonly clusterSecurityGroupId: pulumi.Output<string>;
  readonly provider: k8s.Provider;
  /** The per-AZ node groups, in AZ order. */
  readonly nodeGroups: eks.ManagedNodeGroup[];
  /** Control plane, nodes and Pod Identity agent: what any workload must wait for. */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super('high-available-server:aws:Cluster', name, {}, opts);
    const parent = { parent: this };

    // EBS encryption by default is a per-region account setting: every new volume (node root
    // volumes, any PVC) is encrypted even if a template forgets to ask.
    // retainOnDelete: destroying one stack must not switch it off for the others in the region.
    new aws.ebs.EncryptionByDefault(
      `${name}-ebs-encryption`,
      { enabled: true },
      { parent: this, retainOnDelete: true },
    );

    const secretsKey = new aws.kms.Key(
      `${name}-secrets`,
      {
        description: `EKS secrets envelope encryption for ${args.clusterName}`,
        enableKeyRotation: true,
        rotationPeriodInDays: 365,
        deletionWindowInDays: 30,
        tags: args.tags,
      },
      parent,
    );

    const accessEntries: Record<string, eks.types.input.AccessEntryArgs> = {};
    const grant = (kind: string, principals: string[], association: string, policy: string) =>
      principals.forEach((principalArn, index) => {
        accessEntries[`${kind}-${index}`] = {
          principalArn,
          accessPolicies: {
            [association]: {
              policyArn: `arn:aws:eks::aws:cluster-access-policy/${policy}`,
              accessScope: { type: 'cluster' },
            },
          },
        };
      });
    grant('admin', args.adminPrincipalArns, 'clusterAdmin', 'AmazonEKSClusterAdminPolicy');
    // Read-only on every namespace, Secrets excluded: what `pulumi preview` needs to diff the objects.
    grant('viewer', args.viewerPrincipalArns, 'clusterView', 'AmazonEKSViewPolicy');

    // EKS writes to /aws/eks/<name>/cluster and creates it, without expiry, if it is missing:
    // created here first, it carries the stack's retention and goes with the stack.
    const controlPlaneLogs = new aws.cloudwatch.LogGroup(
      `${name}-control-plane`,
      {
        name: `/aws/eks/${args.clusterName}/cluster`,
        retentionInDays: args.logRetentionDays,
        tags: args.tags,
      },
      parent,
    );

    const cluster = new eks.Cluster(
      name,
      {
        name: args.clusterName,
        version: args.kubernetesVersion,
        // STANDARD: EKS upgrades the control plane at end of standard support instead of
        // silently switching to the six-times-dearer extended support.
        upgradePolicy: { supportType: 'STANDARD' },
        vpcId: args.vpcId,
        privateSubnetIds: args.privateSubnetIds,
        nodeAssociatePublicIpAddress: false,
        endpointPrivateAccess: true,
        endpointPublicAccess: args.publicAccessCidrs.length > 0,
        ...(args.publicAccessCidrs.length > 0 ? { publicAccessCidrs: args.publicAccessCidrs } : {}),
        authenticationMode: eks.AuthenticationMode.Api,
        accessEntries,
        enabledClusterLogTypes: CONTROL_PLANE_LOG_TYPES,
        encryptionConfigKeyArn: secretsKey.arn,
        skipDefaultNodeGroup: true,
        // Workload IAM goes through EKS Pod Identity, so no OIDC provider is needed.
        createOidcProvider: false,
        tags: args.tags,
      },
      { parent: this, dependsOn: [controlPlaneLogs] },
    );

    const nodeRole = new aws.iam.Role(
      `${name}-node`,
      {
        assumeRolePolicy: aws.iam.assumeRolePolicyForPrincipal({ Service: 'ec2.amazonaws.com' }),
        tags: args.tags,
      },
      parent,
    );
    const nodePolicies = [
      'arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy',
      'arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy',
      'arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryPullOnly',
      'arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore',
    ];
    const nodePolicyAttachments = nodePolicies.map(
      (policyArn, index) =>
        new aws.iam.RolePolicyAttachment(`${name}-node-${index}`, { role: nodeRole.name, policyArn }, parent),
    );

    // A launch template of our own so IMDSv2 and root-volume encryption are explicit. Hop limit 1:
    // pods (not on the host network) cannot reach the node's instance credentials; every workload
    // that needs AWS gets its own role through Pod Identity, and the controllers are told region
    // and VPC so they never ask IMDS.
    const launchTemplate = new aws.ec2.LaunchTemplate(
      `${name}-nodes`,
      {
        description: `Managed nodes of ${args.clusterName}`,
        metadataOptions: {
          httpEndpoint: 'enabled',
          httpTokens: 'required',
          httpPutResponseHopLimit: 1,
          instanceMetadataTags: 'disabled',
        },
        blockDeviceMappings: [
          {
            deviceName: '/dev/xvda',
            ebs: { volumeSize: 40, volumeType: 'gp3', encrypted: 'true', deleteOnTermination: 'true' },
          },
        ],
        vpcSecurityGroupIds: [cluster.nodeSecurityGroupId],
        tagSpecifications: [{ resourceType: 'instance', tags: args.tags }],
        updateDefaultVersion: true,
        tags: args.tags,
      },
      parent,
    );

    // The VPC CNI as a managed add-on with its network policy agent on, so the chart's
    // NetworkPolicy is enforced (the self-managed default install does not enforce it).
    // Installed before the nodes, so they start with it.
    const vpcCni = new aws.eks.Addon(
      `${name}-vpc-cni`,
      {
        clusterName: args.clusterName,
        addonName: 'vpc-cni',
        configurationValues: JSON.stringify({ enableNetworkPolicy: 'true' }),
        resolveConflictsOnCreate: 'OVERWRITE',
        resolveConflictsOnUpdate: 'OVERWRITE',
        tags: args.tags,
      },
      { parent: this, dependsOn: [cluster] },
    );

    const perZone = nodeCountsPerZone(
      { min: args.minSize, desired: args.desiredSize, max: args.maxSize },
      args.zoneCount,
    );
    this.nodeGroups = perZone.map(
      (counts, zone) =>
        new eks.ManagedNodeGroup(
          `${name}-nodes-${zone + 1}`,
          {
            cluster,
            nodeRole,
            operatingSystem: eks.OperatingSystem.AL2023,
            instanceTypes: [args.instanceType],
            subnetIds: [pulumi.output(args.privateSubnetIds).apply((ids) => zoneSubnet(ids, zone))],
            scalingConfig: { minSize: counts.min, desiredSize: counts.desired, maxSize: counts.max },
            // The Cluster Autoscaler sets the desired size; `pulumi up` must not reset it.
            ignoreScalingChanges: true,
            launchTemplate: { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) },
            tags: args.tags,
          },
          { parent: this, dependsOn: [...nodePolicyAttachments, vpcCni] },
        ),
    );

    const podIdentityAgent = new aws.eks.Addon(
      `${name}-pod-identity-agent`,
      { clusterName: args.clusterName, addonName: 'eks-pod-identity-agent', tags: args.tags },
      // A DaemonSet: it only turns ACTIVE once there are nodes to run on.
      { parent: this, dependsOn: this.nodeGroups },
    );

    this.clusterName = pulumi.output(args.clusterName);
    this.kubeconfig = pulumi.secret(cluster.kubeconfigJson);
    this.nodeSecurityGroupId = cluster.nodeSecurityGroupId;
    this.clusterSecurityGroupId = cluster.clusterSecurityGroupId;
    this.ready = [cluster, ...this.nodeGroups, podIdentityAgent];
    this.provider = new k8s.Provider(`${name}-k8s`, { kubeconfig: this.kubeconfig }, parent);
    this.registerOutputs({ clusterName: this.clusterName, nodeSecurityGroupId: this.nodeSecurityGroupId });
  }
}
