import pg, { Pool, type PoolClient, type QueryConfig, type QueryResult, type QueryResultRow } from 'pg';
import type { Logger } from 'pino';
import {
  type CredentialFiles,
  clientReadingCredentials,
  hasCredentialFiles,
  readCredentials,
} from './credentials.js';
import { type AppliedMigration, type MigrationSession, runMigrations } from './migrations.js';
import { StoreUnavailableError, type UserRepository } from './repository.js';
import { retryWhileUnavailable } from './retry.js';
import { createSqlRepository, type Queryable, type QueryableDecorator, type SqlStatement } from './sql.js';
import { isAuthenticationFailure, isConnectionLost, rethrowClassified } from './unavailable.js';

/** Time limits of the PostgreSQL store; the defaults make a dead database fail requests in ~2 s. */
export interface PostgresTuning {
  /** Waiting for a pooled connection (new or free) gives up after this. */
  readonly connectionTimeoutMs: number;
  /** Server-side limit per statement (`statement_timeout`). */
  readonly statementTimeoutMs: number;
  /** Client-side limit per query, for when the server cannot even answer (network gone). */
  readonly queryTimeoutMs: number;
  readonly maxConnections: number;
  readonly idleTimeoutMs: number;
  /** Limit for a migration run, including the wait for another replica's advisory lock. */
  readonly migrationTimeoutMs: number;
  /** How long start-up keeps retrying while the database is unreachable before giving up. */
  readonly startupTimeoutMs: number;
}

export const DEFAULT_POSTGRES_TUNING: PostgresTuning = {
  connectionTimeoutMs: 2000,
  statementTimeoutMs: 2000,
  queryTimeoutMs: 2500,
  maxConnections: 10,
  idleTimeoutMs: 30_000,
  migrationTimeoutMs: 60_000,
  startupTimeoutMs: 30_000,
};

/** Where the database is and who we are there. */
export interface PostgresConnection {
  /** `DATABASE_URL`; with a password file it carries no password. */
  readonly url: string;
  readonly credentials?: CredentialFiles;
}

/** The pool, and the settings to open one more connection outside it (a retry's fresh connection). */
export interface PostgresClients {
  readonly pool: Pool;
  connectFresh(): Promise<pg.Client>;
}

/** A pg pool that fails fast while the database is away and reconnects on its own when it is back. */
export function createPostgresClients(
  connection: PostgresConnection,
  tuning: PostgresTuning,
  logger: Logger,
): PostgresClients {
  const Client = clientReadingCredentials(connection.credentials ?? {});
  const options = {
    connectionString: connection.url,
    application_name: 'high-available-server',
    connectionTimeoutMillis: tuning.connectionTimeoutMs,
    statement_timeout: tuning.statementTimeoutMs,
    query_timeout: tuning.queryTimeoutMs,
    // We never hold transactions open between requests; a leaked one must not keep locks forever.
    idle_in_transaction_session_timeout: tuning.migrationTimeoutMs,
    keepAlive: true,
  };
  const pool = new Pool({
    ...options,
    Client,
    max: tuning.maxConnections,
    idleTimeoutMillis: tuning.idleTimeoutMs,
  });
  // An idle connection dying (server restart, failover, network) is emitted here; unhandled it would
  // crash the process. pg-pool has already discarded that connection, so logging is all there is to do.
  pool.on('error', (error) =>
    logger.warn({ err: error }, 'idle database connection failed and was discarded'),
  );
  return {
    pool,
    async connectFresh() {
      const client = new Client(options);
      client.on('error', (error) => logger.warn({ err: error }, 'retry connection failed'));
      await client.connect();
      return client;
    },
  };
}

/**
 * Runs one statement on a connection of its own and closes it: the second try of a statement whose
 * pooled connection died. Not the pool, whose other idle connections may be dying the same death
 * (a failover or pg_terminate_backend ends them all at once) without having said so yet.
 */
async function queryOnFreshConnection(clients: PostgresClients, config: QueryConfig): Promise<QueryResult> {
  const client = await clients.connectFresh();
  try {
    return await client.query(config);
  } finally {
    client.end().catch(() => undefined);
  }
}

/** Request-time errors as the HTTP layer needs them: a refused credential is an outage (503), not a bug. */
function rethrowForRequest(error: unknown): never {
  if (isAuthenticationFailure(error)) {
    throw new StoreUnavailableError('database unavailable: the database refused our credentials', {
      cause: error,
    });
  }
  rethrowClassified(error);
}

/**
 * The repository's view of the pool: named (prepared once per connection) statements, errors
 * classified. Both statements are idempotent, so a statement whose connection died unanswered, or
 * whose new connection was refused a credential that has just rotated, is tried once more on a
 * fresh connection (which re-reads the credential files).
 */
function poolQueryable(clients: PostgresClients): Queryable {
  const { pool } = clients;
  return {
    async query<Row>(statement: SqlStatement, values: readonly unknown[]): Promise<readonly Row[]> {
      const config: QueryConfig = { name: statement.name, text: statement.text, values: values as unknown[] };
      try {
        return (await pool.query<QueryResultRow>(config)).rows as Row[];
      } catch (error) {
        if (!isConnectionLost(error) && !isAuthenticationFailure(error)) rethrowForRequest(error);
      }
      try {
        return (await queryOnFreshConnection(clients, config)).rows as Row[];
      } catch (error) {
        rethrowForRequest(error);
      }
    },
  };
}

/**
 * Migrates on a dedicated connection (the advisory lock belongs to the session that runs the
 * migrations), with the migration time limit, and destroys that connection afterwards so its
 * session settings never leak into request traffic.
 */
async function migratePostgres(
  pool: Pool,
  tuning: PostgresTuning,
  logger: Logger,
): Promise<AppliedMigration[]> {
  let client: PoolClient;
  try {
    client = await pool.connect();
  } catch (error) {
    rethrowClassified(error);
  }
  // A checked-out client has no error listener of the pool's; without one a dropped connection crashes.
  const onConnectionError = (error: Error) => logger.warn({ err: error }, 'migration connection failed');
  client.on('error', onConnectionError);
  // node-postgres honours a per-query `query_timeout` (client.js) that @types/pg does not declare; it
  // replaces the pool's short request timeout for the long lock wait and DDL.
  const queryTimeoutMs = tuning.migrationTimeoutMs + 1000;
  const withMigrationTimeout = (text: string) => ({ text, query_timeout: queryTimeoutMs }) as QueryConfig;
  const session: MigrationSession = {
    query: (text) => client.query(withMigrationTimeout(text)),
    async exec(script) {
      // No values: node-postgres then uses the simple protocol, which accepts several statements.
      await client.query(withMigrationTimeout(script));
    },
  };
  try {
    await session.query(`SET statement_timeout = ${Math.trunc(tuning.migrationTimeoutMs)}`);
    return await runMigrations(session, logger);
  } catch (error) {
    rethrowClassified(error);
  } finally {
    client.off('error', onConnectionError);
    client.release(true);
  }
}

/** Migrates, retrying while the database is unreachable for up to `startupTimeoutMs`. */
function migratePostgresAtStartup(
  pool: Pool,
  tuning: PostgresTuning,
  logger: Logger,
): Promise<AppliedMigration[]> {
  return retryWhileUnavailable(
    'migrations',
    () => migratePostgres(pool, tuning, logger),
    { timeoutMs: tuning.startupTimeoutMs },
    logger,
  );
}

/** Where the pool points, for logs and trace spans: never the password. */
export function databaseLocation(databaseUrl: string): Record<string, string> {
  try {
    const url = new URL(databaseUrl);
    return {
      host: url.hostname,
      port: url.port || '5432',
      database: decodeURIComponent(url.pathname.slice(1)),
    };
  } catch {
    return {};
  }
}

/**
 * Reads the credential files once before anything else: at start-up a missing, unreadable or empty
 * file is a configuration error (one line naming the variable and the path), not an outage to wait out.
 */
async function checkCredentialFiles(credentials: CredentialFiles | undefined): Promise<void> {
  if (!credentials || !hasCredentialFiles(credentials)) return;
  try {
    await readCredentials(credentials);
  } catch (error) {
    throw new Error(error instanceof Error ? error.message : String(error));
  }
}

/**
 * Opens the PostgreSQL store: pool, then (with `migrate`) migrations, retried while the database is
 * unreachable. Without `migrate` (the migration Job owns the schema) it does not wait for the
 * database at all: readiness is this process's, and store requests answer 503 until it is up.
 * `decorate` wraps the repository's queries (not the migrations), e.g. with trace spans.
 */
export async function openPostgresRepository(
  connection: PostgresConnection,
  tuning: PostgresTuning,
  logger: Logger,
  migrate = true,
  decorate: QueryableDecorator = (db) => db,
): Promise<UserRepository> {
  await checkCredentialFiles(connection.credentials);
  const clients = createPostgresClients(connection, tuning, logger);
  const location = databaseLocation(connection.url);
  try {
    if (migrate) {
      const applied = await migratePostgresAtStartup(clients.pool, tuning, logger);
      logger.info(
        { store: 'postgres', ...location, appliedMigrations: applied.length },
        'PostgreSQL store ready',
      );
    } else {
      logger.info(
        { store: 'postgres', ...location, migrateOnStart: false },
        'PostgreSQL store ready (migrations are left to the migrate command)',
      );
    }
  } catch (error) {
    await clients.pool.end().catch(() => undefined);
    throw error;
  }
  return createSqlRepository(decorate(poolQueryable(clients)), () => clients.pool.end());
}

/** Applies pending migrations on one connection and closes it (the `migrate` command). */
export async function migratePostgresOnce(
  connection: PostgresConnection,
  tuning: PostgresTuning,
  logger: Logger,
): Promise<AppliedMigration[]> {
  await checkCredentialFiles(connection.credentials);
  const oneConnection = { ...tuning, maxConnections: 1 };
  const { pool } = createPostgresClients(connection, oneConnection, logger);
  try {
    return await migratePostgresAtStartup(pool, oneConnection, logger);
  } finally {
    await pool.end();
  }
}
