import { readFileSync } from 'node:fs';
import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import {
  APP_ROLE,
  APP_SECRET_NAME,
  CA_BUNDLE_KEY,
  CA_BUNDLE_MOUNT,
  type DatabaseForChart,
  OWNER_SECRET_NAME,
  PASSWORD_KEY,
  USERNAME_KEY,
} from '../database-names.js';
import { DATABASE_NAME } from './database.js';
import { podIdentityRole } from './pod-identity.js';

const EXTERNAL_SECRETS_CHART = {
  chart: 'external-secrets',
  version: '0.20.4',
  repo: 'https://charts.external-secrets.io',
};
const ESO_NAMESPACE = 'external-secrets';
const ESO_SERVICE_ACCOUNT = 'external-secrets';
const CA_BUNDLE_CONFIG_MAP = 'rds-ca-bundle';
/** ESO re-reads the app's credential this often; rotation keeps the previous one valid 30 days. */
const APP_REFRESH = '15m';
/**
 * The master (owner) secret rotates in place (RDS single-user rotation, every 7 days by default):
 * the old password stops working at once, so the migration Job's copy is refreshed every minute
 * and the Jobs that use it retry for longer than that (see OWNER_RETRIES; the chart's migration
 * Job: `migrations.backoffLimit` in values-eks.yaml).
 */
export const OWNER_REFRESH_SECONDS = 60;
/** Pod retries of a Job using the owner credential: 10+20+40+80 s of back-off outlast the refresh. */
export const OWNER_RETRIES = 4;
const APP_LOGIN_SCRIPT = new URL('../database-app-login.mts', import.meta.url);
const SCRIPT_DIR = '/opt/app-login';
/** The service image's user (Pod Security `restricted` wants a numeric non-root one). */
const IMAGE_USER = 1000;

export interface DatabaseAccessArgs {
  region: string;
  clusterName: pulumi.Input<string>;
  clusterReady: pulumi.Input<pulumi.Resource>[];
  provider: k8s.Provider;
  namespace: pulumi.Input<string>;
  databaseAddress: pulumi.Input<string>;
  databasePort: pulumi.Input<number>;
  masterUserSecretArn: pulumi.Input<string>;
  /** The app's own credential (DatabaseAppUser), rotated by alternating users. */
  appUserSecretArn: pulumi.Input<string>;
  /** Key that encrypts the RDS-managed secret (and the app's). */
  secretKmsKeyArn: pulumi.Input<string>;
  /** The service image: the Job that makes the app's first login exist runs its Node and pg. */
  image: { repository: pulumi.Input<string>; digest: pulumi.Input<string> };
  /** The RDS CA bundle (PEM) for `sslmode=verify-full`. */
  caBundlePem: pulumi.Input<string>;
  tags: Record<string, string>;
}

/** An ExternalSecret writing `username` and `password` of one Secrets Manager secret into a Secret. */
function credentialsSecret(
  name: string,
  namespace: pulumi.Input<string>,
  source: { secretArn: pulumi.Input<string>; refreshInterval: string; storeName: string },
) {
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: {
      name,
      namespace,
      // Pulumi waits until ESO has written the Secret.
      annotations: { 'pulumi.com/waitFor': 'condition=Ready' },
    },
    spec: {
      refreshInterval: source.refreshInterval,
      secretStoreRef: { name: source.storeName, kind: 'SecretStore' },
      target: {
        name,
        creationPolicy: 'Owner',
        template: {
          engineVersion: 'v2',
          type: 'Opaque',
          data: { [USERNAME_KEY]: '{{ .username }}', [PASSWORD_KEY]: '{{ .password }}' },
        },
      },
      dataFrom: [{ extract: { key: source.secretArn } }],
    },
  };
}

/**
 * How the pods get database credentials without them passing through Pulumi: External Secrets
 * Operator, allowed (Pod Identity) to read exactly the RDS-managed master secret and the app's
 * secret, writes them into the `hello-database-app` and `hello-database-owner` Secrets (as
 * files where the chart mounts them) and re-reads them after rotation; a Job makes the app's
 * first login exist. The RDS CA bundle goes into a ConfigMap the chart mounts, so TLS to RDS is
 * verified, and the chart gets a DATABASE_URL with no credentials in it.
 */
export class DatabaseAccess extends pulumi.ComponentResource {
  readonly caBundleConfigMapName: pulumi.Output<string>;
  /** The role the app namespace's SecretStore assumes: the only principal that reads the secrets. */
  readonly secretReaderRoleArn: pulumi.Output<string>;
  /** Resources the app must wait for (the Secrets exist, the app login works, the CA is in place). */
  readonly ready: pulumi.Resource[];
  /** The Job that makes the app's first login exist: rotation must not start before it is done. */
  readonly appLogin: k8s.batch.v1.Job;
  /** What the chart needs about the database (CONTRACTS.md). */
  readonly forChart: DatabaseForChart;

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
        policy: pulumi
          .all([args.masterUserSecretArn, args.appUserSecretArn, args.secretKmsKeyArn])
          .apply(([secretArn, appSecretArn, keyArn]) =>
            JSON.stringify({
              Version: '2012-10-17',
              Statement: [
                {
                  Sid: 'ReadTheDatabaseSecrets',
                  Effect: 'Allow',
                  Action: ['secretsmanager:GetSecretValue', 'secretsmanager:DescribeSecret'],
                  Resource: [secretArn, appSecretArn],
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

    // The store assumes its own role, the only one that can read the master and the app secret;
    // the controller's own (Pod Identity) role can do nothing but assume it.
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

    const caBundle = new k8s.core.v1.ConfigMap(
      `${name}-rds-ca`,
      {
        metadata: { name: CA_BUNDLE_CONFIG_MAP, namespace: args.namespace },
        data: { [CA_BUNDLE_KEY]: args.caBundlePem },
      },
      k8sOpts,
    );

    const appCredentials = new k8s.apiextensions.CustomResource(
      `${name}-app-credentials`,
      credentialsSecret(APP_SECRET_NAME, args.namespace, {
        secretArn: args.appUserSecretArn,
        refreshInterval: APP_REFRESH,
        storeName,
      }),
      { ...k8sOpts, dependsOn: [store] },
    );
    const ownerCredentials = new k8s.apiextensions.CustomResource(
      `${name}-owner-credentials`,
      credentialsSecret(OWNER_SECRET_NAME, args.namespace, {
        secretArn: args.masterUserSecretArn,
        refreshInterval: `${OWNER_REFRESH_SECONDS}s`,
        storeName,
      }),
      { ...k8sOpts, dependsOn: [store] },
    );

    const url = pulumi.interpolate`postgres://${args.databaseAddress}:${args.databasePort}/${DATABASE_NAME}?sslmode=verify-full&sslrootcert=${CA_BUNDLE_MOUNT}/${CA_BUNDLE_KEY}`;
    this.appLogin = this.appLoginJob(name, args, url, [appCredentials, ownerCredentials, caBundle]);

    this.secretReaderRoleArn = reader.arn;
    this.caBundleConfigMapName = caBundle.metadata.name;
    this.forChart = {
      url,
      appSecretName: APP_SECRET_NAME,
      ownerSecretName: OWNER_SECRET_NAME,
      caBundle: { configMapName: caBundle.metadata.name, key: CA_BUNDLE_KEY },
    };
    this.ready = [caBundle, appCredentials, ownerCredentials, this.appLogin];
    this.registerOutputs({ url, caBundleConfigMapName: this.caBundleConfigMapName });
  }

  /**
   * Runs `database-app-login.mts` in the service image with the owner's and the app's credential
   * files: before every app release (it changes nothing once the login works), and before the
   * first rotation. Its pods carry no service account token and pass Pod Security `restricted`.
   */
  private appLoginJob(
    name: string,
    args: DatabaseAccessArgs,
    url: pulumi.Output<string>,
    needs: pulumi.Resource[],
  ): k8s.batch.v1.Job {
    const k8sOpts = { parent: this, provider: args.provider };
    const labels = {
      'app.kubernetes.io/name': 'database-app-login',
      'app.kubernetes.io/part-of': 'high-available-server',
    };
    const scriptName = 'database-app-login.mts';
    const script = new k8s.core.v1.ConfigMap(
      `${name}-app-login-script`,
      {
        metadata: { namespace: args.namespace, labels },
        data: { [scriptName]: readFileSync(APP_LOGIN_SCRIPT, 'utf8') },
      },
      k8sOpts,
    );
    const secretFiles = (volume: string, secret: string, dir: string) => ({
      volume: { name: volume, secret: { secretName: secret } },
      mount: { name: volume, mountPath: dir, readOnly: true },
      files: { user: `${dir}/${USERNAME_KEY}`, password: `${dir}/${PASSWORD_KEY}` },
    });
    const owner = secretFiles('owner', OWNER_SECRET_NAME, '/var/run/secrets/database-owner');
    const app = secretFiles('app', APP_SECRET_NAME, '/var/run/secrets/database-app');
    return new k8s.batch.v1.Job(
      `${name}-app-login`,
      {
        metadata: {
          namespace: args.namespace,
          labels,
          // A Job that failed (database unreachable, say) is replaced on the next update, not awaited again.
          annotations: { 'pulumi.com/replaceUnready': 'true' },
        },
        spec: {
          backoffLimit: OWNER_RETRIES,
          activeDeadlineSeconds: 600,
          template: {
            metadata: { labels },
            spec: {
              restartPolicy: 'Never',
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: IMAGE_USER,
                runAsGroup: IMAGE_USER,
                seccompProfile: { type: 'RuntimeDefault' },
              },
              containers: [
                {
                  name: 'ensure-app-login',
                  image: pulumi.interpolate`${args.image.repository}@${args.image.digest}`,
                  command: ['node', `${SCRIPT_DIR}/${scriptName}`],
                  env: [
                    { name: 'DATABASE_URL', value: url },
                    { name: 'OWNER_USER_FILE', value: owner.files.user },
                    { name: 'OWNER_PASSWORD_FILE', value: owner.files.password },
                    { name: 'APP_USER_FILE', value: app.files.user },
                    { name: 'APP_PASSWORD_FILE', value: app.files.password },
                    { name: 'APP_ROLE', value: APP_ROLE },
                    { name: 'PG_RESOLVE_FROM', value: '/app/package.json' },
                  ],
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ['ALL'] },
                  },
                  resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { memory: '128Mi' } },
                  volumeMounts: [
                    owner.mount,
                    app.mount,
                    { name: 'ca', mountPath: CA_BUNDLE_MOUNT, readOnly: true },
                    { name: 'script', mountPath: SCRIPT_DIR, readOnly: true },
                  ],
                },
              ],
              volumes: [
                owner.volume,
                app.volume,
                { name: 'ca', configMap: { name: CA_BUNDLE_CONFIG_MAP } },
                { name: 'script', configMap: { name: script.metadata.name } },
              ],
            },
          },
        },
      },
      { ...k8sOpts, dependsOn: needs },
    );
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
