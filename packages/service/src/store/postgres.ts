import { Pool, type PoolClient, type QueryConfig, type QueryResultRow } from 'pg';
import type { Logger } from 'pino';
import { type AppliedMigration, type MigrationSession, runMigrations } from './migrations.js';
import type { UserRepository } from './repository.js';
import { retryWhileUnavailable } from './retry.js';
import { createSqlRepository, type Queryable, type SqlStatement } from './sql.js';
import { rethrowClassified } from './unavailable.js';

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

/** A pg pool that fails fast while the database is away and reconnects on its own when it is back. */
export function createPostgresPool(databaseUrl: string, tuning: PostgresTuning, logger: Logger): Pool {
  const pool = new Pool({
    connectionString: databaseUrl,
    application_name: 'high-available-server',
    max: tuning.maxConnections,
    idleTimeoutMillis: tuning.idleTimeoutMs,
    connectionTimeoutMillis: tuning.connectionTimeoutMs,
    statement_timeout: tuning.statementTimeoutMs,
    query_timeout: tuning.queryTimeoutMs,
    // We never hold transactions open between requests; a leaked one must not keep locks forever.
    idle_in_transaction_session_timeout: tuning.migrationTimeoutMs,
    keepAlive: true,
  });
  // An idle connection dying (server restart, failover, network) is emitted here; unhandled it would
  // crash the process. pg-pool has already discarded that connection, so logging is all there is to do.
  pool.on('error', (error) =>
    logger.warn({ err: error }, 'idle database connection failed and was discarded'),
  );
  return pool;
}

/** The repository's view of the pool: named (prepared once per connection) statements, errors classified. */
function poolQueryable(pool: Pool): Queryable {
  return {
    async query<Row>(statement: SqlStatement, values: readonly unknown[]): Promise<readonly Row[]> {
      try {
        const result = await pool.query<QueryResultRow>({
          name: statement.name,
          text: statement.text,
          values: values as unknown[],
        });
        return result.rows as Row[];
      } catch (error) {
        rethrowClassified(error);
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
export function migratePostgresAtStartup(
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

/** Where the pool points, for logs: never the password. */
function databaseLocation(databaseUrl: string): Record<string, string> {
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

/** Opens the PostgreSQL store: pool, then migrations (retried while the database is unreachable). */
export async function openPostgresRepository(
  databaseUrl: string,
  tuning: PostgresTuning,
  logger: Logger,
): Promise<UserRepository> {
  const pool = createPostgresPool(databaseUrl, tuning, logger);
  try {
    const applied = await migratePostgresAtStartup(pool, tuning, logger);
    logger.info(
      { store: 'postgres', ...databaseLocation(databaseUrl), appliedMigrations: applied.length },
      'PostgreSQL store ready',
    );
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return createSqlRepository(poolQueryable(pool), () => pool.end());
}
