import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { DATABASE_NAME } from './database.js';
import { podIdentityRole } from './pod-identity.js';

const EXTERNAL_SECRETS_CHART = {
  chart: 'external-secrets',
  version: '0.20.4',
  repo: 'https://charts.external-secrets.io',
};
const ESO_NAMESPACE = 'external-secrets';
const ESO_SERVICE_ACCOUNT = 'external-secrets';
export const DATABASE_SECRET_NAME = 'hello-database';
export const DATABASE_SECRET_KEY = 'DATABASE_URL';
const CA_BUNDLE_CONFIG_MAP = 'rds-ca-bundle';
export const CA_BUNDLE_KEY = 'ca.pem';
const CA_BUNDLE_MOUNT = '/etc/ssl/db';

export interface DatabaseAccessArgs {
  region: string;
  clusterName: pulumi.Input<string>;
  clusterReady: pulumi.Input<pulumi.Resource>[];
  provider: k8s.Provider;
  namespace: pulumi.Input<string>;
  databaseAddress: pulumi.Input<string>;
  databasePort: pulumi.Input<number>;
  masterUserSecretArn: pulumi.Input<string>;
  /** Key that encrypts the RDS-managed secret. */
  secretKmsKeyArn: pulumi.Input<string>;
  /** The RDS CA bundle (PEM) for `sslmode=verify-full`. */
  caBundlePem: pulumi.Input<string>;
  tags: Record<string, string>;
}

/** `postgres://` URL template for ESO (Go templates): the password is URL-escaped. */
function databaseUrlTemplate(host: string, port: number): string {
  return (
    `postgres://{{ .username | urlquery }}:{{ .password | urlquery }}@${host}:${port}/${DATABASE_NAME}` +
    `?sslmode=verify-full&sslrootcert=${CA_BUNDLE_MOUNT}/${CA_BUNDLE_KEY}`
  );
}

/**
 * How the pods get database credentials without them passing through Pulumi: External Secrets
 * Operator, allowed (Pod Identity) to read exactly the one RDS-managed secret, renders
 * DATABASE_URL into a Kubernetes Secret and re-reads it after rotation. The RDS CA bundle goes
 * into a ConfigMap the chart mounts, so TLS to RDS is verified.
 */
export class DatabaseAccess extends pulumi.ComponentResource {
  readonly secretName: pulumi.Output<string>;
  readonly caBundleConfigMapName: pulumi.Output<string>;
  /** The role the app namespace's SecretStore assumes: the only principal that reads the secret. */
  readonly secretReaderRoleArn: pulumi.Output<string>;
  /** Resources the app must wait for (the Secret exists and the CA is in place). */
  readonly ready: pulumi.Resource[];

  constructor(name: string, args: DatabaseAccessArgs, opts?: pulumi.ComponentResourceOptions) {
    super('high-available-server:aws:DatabaseAccess', name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };

    const { role, association } = podIdentityRole(
      `${name}-eso`,
      {
        clusterName: args.clusterName,
        namespace: ESO_NAMESPACE,
        serviceAccount: ESO_SERVICE_ACCOUNT,
        tags: args.tags,
        clusterReady: args.clusterReady,
      },
      this,
    );
    const reader = this.secretReaderRole(name, args, role);
    new aws.iam.RolePolicy(
      `${name}-eso-read-db-secret`,
      {
        role: reader.name,
        policy: pulumi.all([args.masterUserSecretArn, args.secretKmsKeyArn]).apply(([secretArn, keyArn]) =>
          JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'ReadTheDatabaseSecret',
                Effect: 'Allow',
                Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
                Resource: secretArn,
              },
              {
                Sid: 'DecryptItViaSecretsManager',
                Effect: 'Allow',
                Action: 'kms:Decrypt',
                Resource: keyArn,
                Condition: {
                  StringEquals: { 'kms:ViaService': `secretsmanager.${args.region}.amazonaws.com` },
                },
              },
            ],
          }),
        ),
      },
      { parent: this },
    );

    const operator = new k8s.helm.v3.Release(
      `${name}-eso`,
      {
        name: 'external-secrets',
        chart: EXTERNAL_SECRETS_CHART.chart,
        version: EXTERNAL_SECRETS_CHART.version,
        repositoryOpts: { repo: EXTERNAL_SECRETS_CHART.repo },
        namespace: ESO_NAMESPACE,
        createNamespace: true,
        atomic: true,
        timeout: 600,
        values: {
          installCRDs: true,
          serviceAccount: { create: true, name: ESO_SERVICE_ACCOUNT },
          // The controller reconciles stores and secrets in the app namespace only: a SecretStore
          // created anywhere else is never served, so it can never borrow the controller's role.
          scopedNamespace: args.namespace,
          scopedRBAC: true,
          processClusterStore: false,
          processClusterExternalSecret: false,
          processPushSecret: false,
        },
      },
      { ...k8sOpts, dependsOn: [association] },
    );

    // The store assumes its own role, the only one that can read the secret; the controller's
    // own (Pod Identity) role can do nothing but assume it.
    const storeName = 'rds-master-user';
    const store = new k8s.apiextensions.CustomResource(
      `${name}-store`,
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'SecretStore',
        metadata: { name: storeName, namespace: args.namespace },
        spec: { provider: { aws: { service: 'SecretsManager', region: args.region, role: reader.arn } } },
      },
      { ...k8sOpts, dependsOn: [operator] },
    );

    const externalSecret = new k8s.apiextensions.CustomResource(
      `${name}-database-url`,
      {
        apiVersion: 'external-secrets.io/v1',
        kind: 'ExternalSecret',
        metadata: {
          name: DATABASE_SECRET_NAME,
          namespace: args.namespace,
          // Pulumi waits until ESO has written the Secret, so the chart never starts without it.
          annotations: { 'pulumi.com/waitFor': 'condition=Ready' },
        },
        spec: {
          // RDS rotates the master password (every 7 days by default); ESO picks the new one up
          // within this interval.
          refreshInterval: '15m',
          secretStoreRef: { name: storeName, kind: 'SecretStore' },
          target: {
            name: DATABASE_SECRET_NAME,
            creationPolicy: 'Owner',
            template: {
              engineVersion: 'v2',
              type: 'Opaque',
              data: {
                [DATABASE_SECRET_KEY]: pulumi
                  .all([args.databaseAddress, args.databasePort])
                  .apply(([host, port]) => databaseUrlTemplate(host, port)),
              },
            },
          },
          dataFrom: [{ extract: { key: args.masterUserSecretArn } }],
        },
      },
      { ...k8sOpts, dependsOn: [store] },
    );

    const caBundle = new k8s.core.v1.ConfigMap(
      `${name}-rds-ca`,
      {
        metadata: { name: CA_BUNDLE_CONFIG_MAP, namespace: args.namespace },
        data: { [CA_BUNDLE_KEY]: args.caBundlePem },
      },
      k8sOpts,
    );

    this.secretReaderRoleArn = reader.arn;
    this.secretName = pulumi.output(DATABASE_SECRET_NAME);
    this.caBundleConfigMapName = caBundle.metadata.name;
    this.ready = [externalSecret, caBundle];
    this.registerOutputs({ secretName: this.secretName, caBundleConfigMapName: this.caBundleConfigMapName });
  }

  /**
   * The role the SecretStore names: assumable only by the ESO controller's Pod Identity role, and
   * only from a session Pod Identity tagged with the controller's namespace and service account.
   * The controller role itself may do nothing but assume this one role.
   */
  private secretReaderRole(name: string, args: DatabaseAccessArgs, controller: aws.iam.Role): aws.iam.Role {
    const reader = new aws.iam.Role(
      `${name}-db-secret-reader`,
      {
        description: `SecretStore in the app namespace: reads the database secret`,
        assumeRolePolicy: controller.arn.apply((controllerArn) =>
          JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'TheEsoControllerOnly',
                Effect: 'Allow',
                Principal: { AWS: controllerArn },
                Action: ['sts:AssumeRole', 'sts:TagSession'],
                Condition: {
                  StringEquals: {
                    'aws:PrincipalTag/kubernetes-namespace': ESO_NAMESPACE,
                    'aws:PrincipalTag/kubernetes-service-account': ESO_SERVICE_ACCOUNT,
                  },
                },
              },
            ],
          }),
        ),
        tags: args.tags,
      },
      { parent: this },
    );
    new aws.iam.RolePolicy(
      `${name}-eso-assume-reader`,
      {
        role: controller.name,
        policy: reader.arn.apply((readerArn) =>
          JSON.stringify({
            Version: '2012-10-17',
            Statement: [
              {
                Sid: 'AssumeTheSecretReaderOnly',
                Effect: 'Allow',
                Action: ['sts:AssumeRole', 'sts:TagSession'],
                Resource: readerArn,
              },
            ],
          }),
        ),
      },
      { parent: this },
    );
    return reader;
  }
}
