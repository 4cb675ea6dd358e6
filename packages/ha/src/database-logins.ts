import { randomBytes } from 'node:crypto';
import { mkdir, readlink, rename, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';

/** A database user and password, as a Secret's `username` and `password` keys hold them. */
export interface Credential {
  readonly username: string;
  readonly password: string;
}

/**
 * A Secret mounted as a volume, written the way the kubelet writes one (its AtomicWriter): the files the
 * service reads (`username`, `password`) are symlinks into `..data`, itself a symlink to a timestamped
 * directory; an update writes a new directory and swaps `..data` with one rename, so a reader sees the old
 * pair or the new pair, never half of each.
 */
export class SecretVolume {
  readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  get userFile(): string {
    return join(this.dir, 'username');
  }

  get passwordFile(): string {
    return join(this.dir, 'password');
  }

  async write(credential: Credential): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    const previous = await readlink(join(this.dir, '..data')).catch(() => undefined);
    const version = `..${new Date().toISOString().replace(/[-:.]/g, '_')}.${randomBytes(4).toString('hex')}`;
    await mkdir(join(this.dir, version), { mode: 0o700 });
    await writeFile(join(this.dir, version, 'username'), credential.username, { mode: 0o600 });
    // As External Secrets writes a value: no trailing newline (the service tolerates one either way).
    await writeFile(join(this.dir, version, 'password'), credential.password, { mode: 0o600 });
    await symlink(version, join(this.dir, '..data_tmp'));
    await rename(join(this.dir, '..data_tmp'), join(this.dir, '..data'));
    for (const key of ['username', 'password']) {
      await symlink(join('..data', key), join(this.dir, key)).catch((error: NodeJS.ErrnoException) => {
        if (error.code !== 'EEXIST') throw error;
      });
    }
    if (previous) await rm(join(this.dir, previous), { recursive: true, force: true });
  }
}

// The names production uses (infra/database-names.ts): the app's first login (the login Job creates it,
// a member of the NOLOGIN role `hello_app`), and the owner, like the RDS master.
const APP_LOGIN = 'hello_app_login';
const DATABASE = 'hello';
const OWNER = 'hello_owner';

const newPassword = () => randomBytes(24).toString('base64url');

async function withClient<T>(config: pg.ClientConfig, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ ...config, connectionTimeoutMillis: 10_000 });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/** A database owned by a role like the RDS master (CREATEROLE, not a superuser), and its first app credential. */
export interface AppDatabase {
  /** The service's DATABASE_URL: host, port and database, no user or password (as in production). */
  readonly url: string;
  /** The owner's credential (the Secret of the migration and login Jobs). */
  readonly owner: Credential;
  /** The app Secret's first version (Pulumi generates it; the login Job creates the login). */
  readonly firstAppCredential: Credential;
}

/** Creates the owner and its database on a fresh server, as the superuser (RDS does this at creation). */
export async function createAppDatabase(server: {
  readonly port: number;
  readonly url: string;
}): Promise<AppDatabase> {
  const owner: Credential = { username: OWNER, password: newPassword() };
  await withClient({ connectionString: server.url }, async (client) => {
    await client.query(
      `CREATE ROLE ${OWNER} LOGIN CREATEROLE PASSWORD ${client.escapeLiteral(owner.password)}`,
    );
    await client.query(`CREATE DATABASE ${DATABASE} OWNER ${OWNER}`);
  });
  return {
    url: `postgres://127.0.0.1:${server.port}/${DATABASE}`,
    owner,
    firstAppCredential: { username: APP_LOGIN, password: newPassword() },
  };
}

/** One rotation as Secrets Manager's multi-user function runs it. */
export interface Rotation {
  readonly previous: Credential;
  readonly current: Credential;
}

/**
 * The app's logins once the login Job has made the first one: rotated by alternating users as the owner,
 * their sessions watched and ended as the superuser.
 */
export interface DatabaseLogins {
  /** What the app Secret holds now (AWSCURRENT). */
  current(): Credential;
  /**
   * Rotates the app credential the way AWS's multi-user rotation function does, as the owner: a new
   * password on the login that is *not* current (creating `<login>_clone` as a member of the current one on
   * the first rotation), tested, then made current. The previous login and password keep working.
   */
  rotate(): Promise<Rotation>;
  /** Ends every session of the app's logins (pg_terminate_backend, as a failover or an operator would). */
  terminateAppSessions(): Promise<number>;
  /** The logins the app's open sessions use (pg_stat_activity). */
  appSessionUsers(): Promise<string[]>;
  /** Whether `credential` can log in right now. */
  canLogIn(credential: Credential): Promise<boolean>;
}

export function appLogins(
  server: { readonly port: number; readonly url: string },
  database: AppDatabase,
): DatabaseLogins {
  const at = (credential: Credential): pg.ClientConfig => ({
    host: '127.0.0.1',
    port: server.port,
    database: DATABASE,
    user: credential.username,
    password: credential.password,
  });
  const { owner } = database;
  let current = database.firstAppCredential;
  const logins = [APP_LOGIN, `${APP_LOGIN}_clone`];
  const superuser = <T>(work: (client: pg.Client) => Promise<T>) =>
    withClient({ connectionString: server.url }, work);
  return {
    current: () => current,
    async rotate() {
      const previous = current;
      const pending: Credential = {
        username: previous.username === APP_LOGIN ? `${APP_LOGIN}_clone` : APP_LOGIN,
        password: newPassword(),
      };
      // setSecret, logged in as the owner (the function uses the master secret).
      await withClient(at(owner), async (client) => {
        const user = client.escapeIdentifier(pending.username);
        const password = client.escapeLiteral(pending.password);
        const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [pending.username]);
        if (exists.rows.length === 0) {
          await client.query(`CREATE ROLE ${user} WITH LOGIN PASSWORD ${password}`);
          await client.query(`GRANT ${client.escapeIdentifier(previous.username)} TO ${user}`);
        } else {
          await client.query(`ALTER USER ${user} WITH PASSWORD ${password}`);
        }
      });
      // testSecret: the pending credential logs in and reads.
      await withClient(at(pending), (client) => client.query('SELECT now()'));
      // finishSecret: AWSCURRENT moves to the pending version.
      current = pending;
      return { previous, current };
    },
    terminateAppSessions: () =>
      superuser(async (client) => {
        const result = await client.query(
          'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = ANY($1)',
          [logins],
        );
        return result.rowCount ?? 0;
      }),
    appSessionUsers: () =>
      superuser(async (client) => {
        const result = await client.query<{ usename: string }>(
          'SELECT DISTINCT usename FROM pg_stat_activity WHERE usename = ANY($1) ORDER BY usename',
          [logins],
        );
        return result.rows.map((row) => row.usename);
      }),
    canLogIn: (credential) =>
      withClient(at(credential), (client) => client.query('SELECT 1')).then(
        () => true,
        () => false,
      ),
  };
}
