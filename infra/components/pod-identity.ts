import * as aws from '@pulumi/aws';
import type * as pulumi from '@pulumi/pulumi';

export interface PodIdentityArgs {
  clusterName: pulumi.Input<string>;
  namespace: string;
  serviceAccount: string;
  tags: Record<string, string>;
  /** The association needs the cluster (and its Pod Identity agent) to exist first. */
  clusterReady: pulumi.Input<pulumi.Resource>[];
}

/**
 * An IAM role that only EKS Pod Identity can assume, associated with one service account. Pod Identity
 * rather than IRSA: no OIDC provider, and the trust policy does not depend on the cluster. The caller
 * attaches the permissions, so each controller's policy stays next to the reason it needs them.
 */
export function podIdentityRole(
  name: string,
  args: PodIdentityArgs,
  parent: pulumi.Resource,
): { role: aws.iam.Role; association: aws.eks.PodIdentityAssociation } {
  const role = new aws.iam.Role(
    name,
    {
      assumeRolePolicy: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'pods.eks.amazonaws.com' },
            Action: ['sts:AssumeRole', 'sts:TagSession'],
          },
        ],
      }),
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
