// `node database-app-login.mts`: makes the app role and the database login named in the app's
// credential files exist, the login a member of the role, and the login accept that password. The
// AWS stack runs it as a Job in the service's own image (Node with type stripping, and its `pg`)
// before each release, connected with the owner (RDS master) credentials.
//
// Why it exists: Secrets Manager's alternating-users rotation (the multi-user function) only
// rotates a login that already works: it logs in with the secret's current user first, then
// creates `<user>_clone` as a member of that user. Someone must create the first login with the
// secret's first password; that is this script. The app's privileges belong to the NOLOGIN group
// role APP_ROLE, so the first login and every clone inherit exactly those, nothing more.
//
// The role and its privileges are this deployment's, not the schema's: the migrations stay free of
// roles (a plain-Helm install whose one database user cannot create roles must still migrate). So
// the owner grants the role read/write on the tables it owns now and, through default privileges,
// on those it creates later: the result is the same whether this runs before the first migration
// (a first deploy) or after it (a database migrated earlier). Never DELETE, TRUNCATE or DDL. The
// migrations' bookkeeping table is the owner's alone (MIGRATIONS_TABLE): taken back from the role
// here, since default privileges cannot leave one table out (so after a first deploy it is the
// role's until the next run of this Job).
//
// Safe to run at any time: it never changes a password that works. During a rotation the files
// may lag one version behind, but the previous user and password stay valid for a whole rotation
// period, so a stale file still logs in and nothing is touched. It sets the password only when
// the login refuses it (a first deploy after a restore from snapshot, say), making the secret the
// source of truth again.
//
// Environment (files as mounted from the Kubernetes Secrets):
//   DATABASE_URL               postgres://host:port/db?sslmode=...; no credentials
//   OWNER_USER_FILE, OWNER_PASSWORD_FILE
//   APP_USER_FILE, APP_PASSWORD_FILE
//   APP_ROLE                   the NOLOGIN role holding the app's privileges (default hello_app)
//   APP_SCHEMA                 the schema the migrations create tables in (default public)
//   MIGRATIONS_TABLE           the migrations' bookkeeping table in it (default schemaversion)
//   PG_RESOLVE_FROM            a file next to the node_modules holding pg (default /app/package.json)

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

interface PgClient {
  connect(): Promise<void>;
  query(text: string, values?: unknown[]): Promise<{ rows: Record<string, unknown>[] }>;
  end(): Promise<void>;
  escapeIdentifier(value: string): string;
  escapeLiteral(value: string): string;
}
type ClientConstructor = new (config: Record<string, unknown>) => PgClient;

/** Lower-case identifiers only: what the roles, schema and table here are named. */
const PLAIN_NAME = /^[a-z_][a-z0-9_]{0,62}$/;
const INVALID_PASSWORD = '28P01';

function log(message: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ msg: message, ...fields })}\n`);
}

class SetupError extends Error {}

function setting(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback;
  if (!value) throw new SetupError(`${name} is not set`);
  return value;
}

function fileSetting(name: string): string {
  const path = setting(name);
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new SetupError(`${name}: cannot read ${path}: ${(error as Error).message}`);
  }
}

function plainName(value: string, what: string): string {
  if (!PLAIN_NAME.test(value)) throw new SetupError(`${what} '${value}' is not a plain PostgreSQL name`);
  return value;
}

/**
 * The app's privileges, granted by the owner (idempotent): the schema's tables present and future,
 * SELECT/INSERT/UPDATE only, sequences for generated keys, and not the migrations' bookkeeping.
 */
async function grantAppPrivileges(
  owner: PgClient,
  names: { role: string; schema: string; migrationsTable: string },
): Promise<void> {
  const role = names.role;
  const schema = owner.escapeIdentifier(names.schema);
  const statements = [
    `GRANT USAGE ON SCHEMA ${schema} TO ${role}`,
    // Tables and sequences the owner (who runs the migrations) creates from now on.
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} GRANT SELECT, INSERT, UPDATE ON TABLES TO ${role}`,
    `ALTER DEFAULT PRIVILEGES IN SCHEMA ${schema} GRANT USAGE ON SEQUENCES TO ${role}`,
    // Those it created before (the migration ran first).
    `GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA ${schema} TO ${role}`,
    `GRANT USAGE ON ALL SEQUENCES IN SCHEMA ${schema} TO ${role}`,
  ];
  const bookkeeping = `${schema}.${owner.escapeIdentifier(names.migrationsTable)}`;
  // All or nothing: a Job killed half-way leaves the privileges as they were.
  await owner.query('BEGIN');
  try {
    for (const statement of statements) await owner.query(statement);
    const exists = await owner.query('SELECT to_regclass($1) IS NOT NULL AS exists', [bookkeeping]);
    if (exists.rows[0]?.exists === true) await owner.query(`REVOKE ALL ON TABLE ${bookkeeping} FROM ${role}`);
    await owner.query('COMMIT');
  } catch (error) {
    await owner.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}

async function main(): Promise<void> {
  const url = setting('DATABASE_URL');
  const owner = { user: fileSetting('OWNER_USER_FILE'), password: fileSetting('OWNER_PASSWORD_FILE') };
  const app = {
    user: plainName(fileSetting('APP_USER_FILE'), 'the app user'),
    password: fileSetting('APP_PASSWORD_FILE'),
  };
  const appRole = plainName(setting('APP_ROLE', 'hello_app'), 'APP_ROLE');
  const schema = plainName(setting('APP_SCHEMA', 'public'), 'APP_SCHEMA');
  const migrationsTable = plainName(setting('MIGRATIONS_TABLE', 'schemaversion'), 'MIGRATIONS_TABLE');

  // pg's connection-string parser (a dependency of pg) reads sslmode/sslrootcert; the credentials
  // are then given separately (a URL's missing user would otherwise override them).
  const requirePg = createRequire(setting('PG_RESOLVE_FROM', '/app/package.json'));
  const pgPath = requirePg.resolve('pg');
  const { Client } = requirePg(pgPath) as { Client: ClientConstructor };
  const { parse } = createRequire(pgPath)('pg-connection-string') as {
    parse: (url: string) => Record<string, unknown>;
  };
  const connection = parse(url);
  const connect = async (credentials: { user: string; password: string }) => {
    const client = new Client({ ...connection, ...credentials, connectionTimeoutMillis: 10_000 });
    await client.connect();
    return client;
  };

  const ownerClient = await connect(owner);
  try {
    const roleExists = async (role: string) =>
      (await ownerClient.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rows.length > 0;
    const role = ownerClient.escapeIdentifier(appRole);
    const login = ownerClient.escapeIdentifier(app.user);

    if (!(await roleExists(appRole))) {
      await ownerClient.query(`CREATE ROLE ${role} NOLOGIN`);
      log('created the app role', { role: appRole });
    }
    await grantAppPrivileges(ownerClient, { role, schema, migrationsTable });
    log('the app role may read and write the tables the owner creates, now and later', {
      role: appRole,
      schema,
    });
    if (!(await roleExists(app.user))) {
      await ownerClient.query(
        `CREATE ROLE ${login} LOGIN PASSWORD ${ownerClient.escapeLiteral(app.password)} IN ROLE ${role}`,
      );
      log('created the app login', { login: app.user, role: appRole });
    } else {
      const member = await ownerClient.query('SELECT pg_has_role($1, $2, $3) AS member', [
        app.user,
        appRole,
        'MEMBER',
      ]);
      if (member.rows[0]?.member !== true) {
        await ownerClient.query(`GRANT ${role} TO ${login}`);
        log('made the app login a member of the app role', { login: app.user, role: appRole });
      }
    }

    try {
      await (await connect(app)).end();
      log('the app login accepts its current password', { login: app.user });
    } catch (error) {
      if ((error as { code?: string }).code !== INVALID_PASSWORD) throw error;
      await ownerClient.query(
        `ALTER ROLE ${login} WITH LOGIN PASSWORD ${ownerClient.escapeLiteral(app.password)}`,
      );
      await (await connect(app)).end();
      log('the app login refused the secret password: set it from the secret', { login: app.user });
    }
  } finally {
    await ownerClient.end();
  }
}

try {
  await main();
} catch (error) {
  const reason = error instanceof SetupError ? error.message : `${(error as Error).message ?? error}`;
  log(`database app login not ensured: ${reason}`, { code: (error as { code?: string }).code });
  process.exitCode = 1;
}
