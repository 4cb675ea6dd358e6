import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import type { DatabaseConfig } from '../config.js';

const DATABASE_PORT = 5432;
export const DATABASE_NAME = 'hello';
const DATABASE_USER = 'hello';

export interface DatabaseArgs {
  identifier: string;
  vpcId: pulumi.Input<string>;
  isolatedSubnetIds: pulumi.Input<string[]>;
  /** The only security group admitted on 5432: the one the EKS nodes (and so the pods) carry. */
  clientSecurityGroupId: pulumi.Input<string>;
  settings: DatabaseConfig;
  deletionProtection: boolean;
  logRetentionDays: number;
  tags: Record<string, string>;
}

/**
 * RDS PostgreSQL in the isolated subnets. The master password is generated and kept by RDS in
 * Secrets Manager (`manageMasterUserPassword`), so it never appears in code or Pulumi state;
 * TLS is mandatory (`rds.force_ssl=1`).
 */
export class Database extends pulumi.ComponentResource {
  readonly address: pulumi.Output<string>;
  readonly port: pulumi.Output<number>;
  readonly databaseName: string = DATABASE_NAME;
  readonly securityGroupId: pulumi.Output<string>;
  /** The RDS-managed Secrets Manager secret holding {"username","password"}. */
  readonly masterUserSecretArn: pulumi.Output<string>;
  readonly kmsKeyArn: pulumi.Output<string>;

  constructor(name: string, args: DatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super('high-available-server:aws:Database', name, {}, opts);
    const parent = { parent: this };
    const { settings } = args;
    const major = settings.engineVersion.split('.')[0];

    const key = new aws.kms.Key(
      `${name}-storage`,
      {
        description: `RDS storage, Performance Insights and master secret of ${args.identifier}`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
        tags: args.tags,
      },
      parent,
    );

    const subnetGroup = new aws.rds.SubnetGroup(
      `${name}-isolated`,
      { subnetIds: args.isolatedSubnetIds, tags: args.tags },
      parent,
    );

    const securityGroup = new aws.ec2.SecurityGroup(
      `${name}-sg`,
      { vpcId: args.vpcId, description: 'PostgreSQL: only from the EKS nodes', tags: args.tags },
      parent,
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-from-nodes`,
      {
        securityGroupId: securityGroup.id,
        referencedSecurityGroupId: args.clientSecurityGroupId,
        ipProtocol: 'tcp',
        fromPort: DATABASE_PORT,
        toPort: DATABASE_PORT,
        description: 'PostgreSQL from EKS nodes',
      },
      parent,
    );

    const parameterGroup = new aws.rds.ParameterGroup(
      `${name}-params`,
      {
        family: `postgres${major}`,
        description: `PostgreSQL ${major} with TLS enforced`,
        parameters: [
          { name: 'rds.force_ssl', value: '1' },
          { name: 'log_min_duration_statement', value: '1000' },
        ],
        tags: args.tags,
      },
      parent,
    );

    // Created up front so exported logs get a retention instead of "never expire".
    const logExports = settings.logExports ? ['postgresql', 'upgrade'] : [];
    const logGroups = logExports.map(
      (log) =>
        new aws.cloudwatch.LogGroup(
          `${name}-${log}`,
          {
            name: `/aws/rds/instance/${args.identifier}/${log}`,
            retentionInDays: args.logRetentionDays,
            tags: args.tags,
          },
          parent,
        ),
    );

    const instance = new aws.rds.Instance(
      `${name}-postgres`,
      {
        identifier: args.identifier,
        engine: 'postgres',
        engineVersion: settings.engineVersion,
        autoMinorVersionUpgrade: true,
        instanceClass: settings.instanceClass,
        allocatedStorage: settings.allocatedStorageGb,
        maxAllocatedStorage: settings.maxAllocatedStorageGb,
        storageType: 'gp3',
        storageEncrypted: true,
        kmsKeyId: key.arn,
        dbName: DATABASE_NAME,
        username: DATABASE_USER,
        manageMasterUserPassword: true,
        masterUserSecretKmsKeyId: key.arn,
        dbSubnetGroupName: subnetGroup.name,
        vpcSecurityGroupIds: [securityGroup.id],
        publiclyAccessible: false,
        port: DATABASE_PORT,
        parameterGroupName: parameterGroup.name,
        caCertIdentifier: 'rds-ca-rsa2048-g1',
        multiAz: settings.multiAz,
        backupRetentionPeriod: settings.backupRetentionDays,
        backupWindow: '02:00-03:00',
        maintenanceWindow: 'sun:03:30-sun:04:30',
        copyTagsToSnapshot: true,
        deletionProtection: args.deletionProtection,
        ...this.onDestroy(name, args),
        performanceInsightsEnabled: settings.performanceInsights,
        ...(settings.performanceInsights
          ? { performanceInsightsKmsKeyId: key.arn, performanceInsightsRetentionPeriod: 7 }
          : {}),
        enabledCloudwatchLogsExports: logExports,
        iamDatabaseAuthenticationEnabled: false,
        tags: args.tags,
      },
      { parent: this, dependsOn: logGroups },
    );

    this.address = instance.address;
    this.port = instance.port;
    this.securityGroupId = securityGroup.id;
    this.kmsKeyArn = key.arn;
    this.masterUserSecretArn = instance.masterUserSecrets.apply((secrets) => {
      const arn = secrets[0]?.secretArn;
      if (!arn) throw new Error('RDS returned no master user secret although manageMasterUserPassword is on');
      return arn;
    });
    this.registerOutputs({ address: this.address, masterUserSecretArn: this.masterUserSecretArn });
  }

  /**
   * What destroying the instance leaves behind. With `finalSnapshot` (prod) it always takes a
   * final snapshot and keeps the automated backups, whatever deletion protection says (turning
   * protection off is the documented first step of a teardown, so it must not decide this). The
   * snapshot name carries a suffix drawn once per database, so a stack torn down, recreated and
   * torn down again does not fail on the first teardown's snapshot.
   */
  private onDestroy(name: string, args: DatabaseArgs) {
    if (!args.settings.finalSnapshot) return { skipFinalSnapshot: true, deleteAutomatedBackups: true };
    const suffix = new random.RandomId(
      `${name}-final-snapshot`,
      { byteLength: 4, keepers: { identifier: args.identifier } },
      { parent: this },
    );
    return {
      skipFinalSnapshot: false,
      finalSnapshotIdentifier: pulumi.interpolate`${args.identifier}-final-${suffix.hex}`,
      deleteAutomatedBackups: false,
    };
  }
}
