import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import * as random from '@pulumi/random';
import { APP_LOGIN } from '../database-names.js';

const DATABASE_PORT = 5432;
const HTTPS_PORT = 443;

/**
 * AWS's multi-user PostgreSQL rotation function, from the Serverless Application Repository
 * (the application and version the AWS CDK pins for `POSTGRES_ROTATION_MULTI_USER`).
 */
export const ROTATION_APPLICATION = {
  applicationId:
    'arn:aws:serverlessrepo:us-east-1:297356227824:applications/SecretsManagerRDSPostgreSQLRotationMultiUser',
  semanticVersion: '1.1.671',
};

/**
 * Days between rotations of the app's credential. With alternating users the previous user and
 * password stay valid for one whole period, which is what bounds how stale a pod's files may be.
 */
export const APP_ROTATION_DAYS = 30;

export interface DatabaseAppUserArgs {
  region: string;
  databaseAddress: pulumi.Input<string>;
  databasePort: pulumi.Input<number>;
  databaseName: string;
  databaseSecurityGroupId: pulumi.Input<string>;
  /** The RDS-managed master secret: the rotation function logs in with it to set passwords. */
  masterUserSecretArn: pulumi.Input<string>;
  /** Encrypts the master secret; this secret uses it too. */
  kmsKeyArn: pulumi.Input<string>;
  vpcId: pulumi.Input<string>;
  /** Where the rotation function runs: a route to Secrets Manager and the RDS API (NAT), and to the database. */
  privateSubnetIds: pulumi.Input<string[]>;
  tags: Record<string, string>;
}

/**
 * The app's own database credential, rotated by Secrets Manager's alternating-users strategy:
 * each rotation sets a new password on the user that is not current (`hello_app_login` and
 * `hello_app_login_clone` take turns), so the credential a pod holds stays valid for a whole
 * rotation period after a newer one appears. The secret holds what the rotation function needs
 * (engine, host, port, dbname, username, password, and `masterarn`, the master secret it logs in
 * with to create the clone and set passwords). Its first password is generated here; the app
 * login is created with it by a Job (`database-app-login.mts`), and rotation starts only after that
 * (`rotateAfter`), since the function refuses to rotate a login that does not work.
 */
export class DatabaseAppUser extends pulumi.ComponentResource {
  readonly secretArn: pulumi.Output<string>;
  private readonly name: string;
  private readonly rotationFunctionArn: pulumi.Output<string>;

  constructor(name: string, args: DatabaseAppUserArgs, opts?: pulumi.ComponentResourceOptions) {
    super('high-available-server:aws:DatabaseAppUser', name, {}, opts);
    const parent = { parent: this };
    this.name = name;

    const secret = new aws.secretsmanager.Secret(
      `${name}-app-db`,
      {
        description: `Database login of the app (${APP_LOGIN} / ${APP_LOGIN}_clone), rotated by alternating users`,
        kmsKeyId: args.kmsKeyArn,
        recoveryWindowInDays: 7,
        tags: args.tags,
      },
      parent,
    );
    // Only the first password passes through Pulumi (state, encrypted); the second rotation
    // (one period after the first deploy) makes it useless.
    const firstPassword = new random.RandomPassword(
      `${name}-app-db-first`,
      { length: 40, special: false },
      parent,
    );
    new aws.secretsmanager.SecretVersion(
      `${name}-app-db-first`,
      {
        secretId: secret.id,
        secretString: pulumi.jsonStringify({
          engine: 'postgres',
          host: args.databaseAddress,
          port: args.databasePort,
          dbname: args.databaseName,
          username: APP_LOGIN,
          password: firstPassword.result,
          masterarn: args.masterUserSecretArn,
        }),
      },
      // After the first rotation the current version is the rotation's: never put this one back.
      { parent: this, ignoreChanges: ['secretString', 'versionStages'] },
    );

    const functionSecurityGroup = new aws.ec2.SecurityGroup(
      `${name}-rotation`,
      { vpcId: args.vpcId, description: 'App credential rotation function', tags: args.tags },
      parent,
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-rotation-to-db`,
      {
        securityGroupId: functionSecurityGroup.id,
        referencedSecurityGroupId: args.databaseSecurityGroupId,
        ipProtocol: 'tcp',
        fromPort: DATABASE_PORT,
        toPort: DATABASE_PORT,
        description: 'PostgreSQL',
      },
      parent,
    );
    new aws.vpc.SecurityGroupEgressRule(
      `${name}-rotation-to-aws-apis`,
      {
        securityGroupId: functionSecurityGroup.id,
        cidrIpv4: '0.0.0.0/0',
        ipProtocol: 'tcp',
        fromPort: HTTPS_PORT,
        toPort: HTTPS_PORT,
        description: 'Secrets Manager and RDS APIs through the NAT gateway',
      },
      parent,
    );
    new aws.vpc.SecurityGroupIngressRule(
      `${name}-db-from-rotation`,
      {
        securityGroupId: args.databaseSecurityGroupId,
        referencedSecurityGroupId: functionSecurityGroup.id,
        ipProtocol: 'tcp',
        fromPort: DATABASE_PORT,
        toPort: DATABASE_PORT,
        description: 'PostgreSQL from the credential rotation function',
      },
      parent,
    );

    // The application's template creates the function, its role (read both secrets, decrypt
    // with the key, describe the database) and the permission for Secrets Manager to invoke it.
    const rotationFunction = new aws.serverlessrepository.CloudFormationStack(
      `${name}-rotation`,
      {
        name: `${name}-app-db-rotation`,
        applicationId: ROTATION_APPLICATION.applicationId,
        semanticVersion: ROTATION_APPLICATION.semanticVersion,
        capabilities: ['CAPABILITY_IAM', 'CAPABILITY_RESOURCE_POLICY'],
        parameters: {
          functionName: `${name}-app-db-rotation`,
          endpoint: `https://secretsmanager.${args.region}.amazonaws.com`,
          vpcSubnetIds: pulumi.output(args.privateSubnetIds).apply((ids) => ids.join(',')),
          vpcSecurityGroupIds: functionSecurityGroup.id,
          kmsKeyArn: args.kmsKeyArn,
          masterSecretArn: args.masterUserSecretArn,
          masterSecretKmsKeyArn: args.kmsKeyArn,
        },
        tags: args.tags,
      },
      parent,
    );

    this.secretArn = secret.arn;
    this.rotationFunctionArn = rotationFunction.outputs.apply((outputs) => {
      const arn = outputs.RotationLambdaARN;
      if (!arn) throw new Error('the rotation application returned no RotationLambdaARN output');
      return arn;
    });
    this.registerOutputs({ secretArn: this.secretArn });
  }

  /**
   * Turns rotation on once `after` (the Job that makes the first login exist) is done. Rotates at
   * once, so the clone exists from the first deploy on, then every APP_ROTATION_DAYS days.
   */
  rotateAfter(after: pulumi.Input<pulumi.Resource>[]): aws.secretsmanager.SecretRotation {
    return new aws.secretsmanager.SecretRotation(
      `${this.name}-app-db`,
      {
        secretId: this.secretArn,
        rotationLambdaArn: this.rotationFunctionArn,
        rotationRules: { automaticallyAfterDays: APP_ROTATION_DAYS },
        rotateImmediately: true,
      },
      { parent: this, dependsOn: after },
    );
  }
}
