import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import {
  APP_SECRET_NAME,
  type DatabaseForChart,
  OWNER_SECRET_NAME,
  PASSWORD_KEY,
  USERNAME_KEY,
} from '../database-names.js';

const POSTGRES_SERVICE = 'postgres';
const POSTGRES_UID = 70; // the postgres user of the official alpine image
const DB = { name: 'hello', user: 'hello', port: 5432 };

export interface InClusterDatabaseArgs {
  namespace: pulumi.Input<string>;
  provider: k8s.Provider;
  image: string;
  storageGb: number;
}

/**
 * minikube's stand-in for RDS: one PostgreSQL pod (StatefulSet with a PVC) that passes the
 * namespace's "restricted" Pod Security level, a generated password, and the credential Secrets
 * the chart mounts as files (DATABASE_URL itself carries none). Traffic stays inside the cluster,
 * so no TLS here.
 */
export class InClusterDatabase extends pulumi.ComponentResource {
  readonly ready: pulumi.Resource[];
  /**
   * What the chart needs about the database (CONTRACTS.md). One user here: the service migrates at
   * start on minikube, so the app's credential is the owner's.
   */
  readonly forChart: DatabaseForChart;

  constructor(name: string, args: InClusterDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super('high-available-server:minikube:Database', name, {}, opts);
    const k8sOpts = { parent: this, provider: args.provider };
    const labels = {
      'app.kubernetes.io/name': 'postgres',
      'app.kubernetes.io/part-of': 'high-available-server',
    };

    const password = new random.RandomPassword(
      `${name}-password`,
      { length: 32, special: false },
      { parent: this },
    );

    const credentials = new k8s.core.v1.Secret(
      `${name}-credentials`,
      {
        metadata: { name: 'postgres-credentials', namespace: args.namespace, labels },
        stringData: { POSTGRES_USER: DB.user, POSTGRES_DB: DB.name, POSTGRES_PASSWORD: password.result },
      },
      k8sOpts,
    );
    const credentialFiles = [APP_SECRET_NAME, OWNER_SECRET_NAME].map(
      (secretName) =>
        new k8s.core.v1.Secret(
          `${name}-${secretName}`,
          {
            metadata: { name: secretName, namespace: args.namespace, labels },
            stringData: { [USERNAME_KEY]: DB.user, [PASSWORD_KEY]: password.result },
          },
          k8sOpts,
        ),
    );

    const service = new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { name: POSTGRES_SERVICE, namespace: args.namespace, labels },
        spec: { selector: labels, ports: [{ name: 'postgres', port: DB.port, targetPort: 'postgres' }] },
      },
      k8sOpts,
    );

    const readiness = ['pg_isready', '-U', DB.user, '-d', DB.name, '-h', '127.0.0.1'];
    const statefulSet = new k8s.apps.v1.StatefulSet(
      `${name}-postgres`,
      {
        metadata: { name: 'postgres', namespace: args.namespace, labels },
        spec: {
          serviceName: POSTGRES_SERVICE,
          replicas: 1,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: {
              automountServiceAccountToken: false,
              securityContext: {
                runAsNonRoot: true,
                runAsUser: POSTGRES_UID,
                runAsGroup: POSTGRES_UID,
                fsGroup: POSTGRES_UID,
                seccompProfile: { type: 'RuntimeDefault' },
              },
              containers: [
                {
                  name: 'postgres',
                  image: args.image,
                  ports: [{ name: 'postgres', containerPort: DB.port }],
                  envFrom: [{ secretRef: { name: credentials.metadata.name } }],
                  // A subdirectory: initdb wants to own its data directory, the volume root may not be.
                  env: [{ name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' }],
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ['ALL'] },
                  },
                  readinessProbe: { exec: { command: readiness }, periodSeconds: 5, failureThreshold: 3 },
                  livenessProbe: { exec: { command: readiness }, initialDelaySeconds: 30, periodSeconds: 10 },
                  resources: {
                    requests: { cpu: '100m', memory: '256Mi' },
                    limits: { memory: '512Mi' },
                  },
                  volumeMounts: [
                    { name: 'data', mountPath: '/var/lib/postgresql/data' },
                    { name: 'run', mountPath: '/var/run/postgresql' },
                    { name: 'tmp', mountPath: '/tmp' },
                  ],
                },
              ],
              volumes: [
                { name: 'run', emptyDir: {} },
                { name: 'tmp', emptyDir: {} },
              ],
            },
          },
          volumeClaimTemplates: [
            {
              metadata: { name: 'data' },
              spec: {
                accessModes: ['ReadWriteOnce'],
                resources: { requests: { storage: `${args.storageGb}Gi` } },
              },
            },
          ],
        },
      },
      { ...k8sOpts, dependsOn: [service] },
    );

    this.forChart = {
      url: `postgres://${POSTGRES_SERVICE}:${DB.port}/${DB.name}?sslmode=disable`,
      appSecretName: APP_SECRET_NAME,
      ownerSecretName: OWNER_SECRET_NAME,
    };
    this.ready = [...credentialFiles, statefulSet];
    this.registerOutputs({ url: this.forChart.url });
  }
}
