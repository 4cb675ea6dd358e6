import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export interface PodIdentityArgs {
  clusterName: pulumi.Input<string>;
  namespace: string;
  serviceAccount: string;
  tags: Record<string, string>;
  /** The association needs the cluster (and its Pod Identity agent) to exist first. */
  clusterReady: pulumi.Input<pulumi.Resource>[];
}

/**
 * The trust policy of a Pod Identity role: EKS Pod Identity may assume it (and tag the session)
 * only for this account and for the one cluster, namespace and service account, checked on the
 * session tags Pod Identity sets (eks-cluster-name, kubernetes-namespace,
 * kubernetes-service-account). Without them any association in the account could use the role.
 */
export function podIdentityTrustPolicy(
  accountId: string,
  clusterName: string,
  namespace: string,
  serviceAccount: string,
): object {
  return {
    Version: '2012-10-17',
    Statement: [
      {
        Sid: 'EksPodIdentityForOneServiceAccount',
        Effect: 'Allow',
        Principal: { Service: 'pods.eks.amazonaws.com' },
        Action: ['sts:AssumeRole', 'sts:TagSession'],
        Condition: {
          StringEquals: {
            'aws:SourceAccount': accountId,
            'aws:RequestTag/eks-cluster-name': clusterName,
            'aws:RequestTag/kubernetes-namespace': namespace,
            'aws:RequestTag/kubernetes-service-account': serviceAccount,
          },
        },
      },
    ],
  };
}

/**
 * An IAM role that only EKS Pod Identity can assume, associated with one service account. Pod Identity
 * rather than IRSA: no OIDC provider; the trust policy names the cluster by its session tag. The caller
 * attaches the permissions, so each controller's policy stays next to the reason it needs them.
 */
export function podIdentityRole(
  name: string,
  args: PodIdentityArgs,
  parent: pulumi.Resource,
): { role: aws.iam.Role; association: aws.eks.PodIdentityAssociation } {
  const accountId = aws.getCallerIdentityOutput({}, { parent }).accountId;
  const role = new aws.iam.Role(
    name,
    {
      assumeRolePolicy: pulumi
        .all([accountId, args.clusterName])
        .apply(([account, cluster]) =>
          JSON.stringify(podIdentityTrustPolicy(account, cluster, args.namespace, args.serviceAccount)),
        ),
      tags: args.tags,
    },
    { parent },
  );
  const association = new aws.eks.PodIdentityAssociation(
    name,
    {
      clusterName: args.clusterName,
      namespace: args.namespace,
      serviceAccount: args.serviceAccount,
      roleArn: role.arn,
      tags: args.tags,
    },
    { parent, dependsOn: args.clusterReady },
  );
  return { role, association };
}
