import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import Postgrator from 'postgrator';

/** One database session (the SAME connection for every call): the advisory lock is held per session. */
export interface MigrationSession {
  /** Runs one statement, returning its rows. */
  query(text: string): Promise<{ rows: unknown[] }>;
  /** Runs a script that may hold several statements (a migration file). */
  exec(script: string): Promise<void>;
}

/** A migration that was applied by this run. */
export interface AppliedMigration {
  readonly version: number;
  readonly name: string;
}

/** Works from both `src/store/` (tsx) and `dist/store/` (built): the folder sits next to both. */
const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

/**
 * Arbitrary, fixed key of the application-wide advisory lock that serialises migration runs. Every
 * replica (and the migrate Job) uses the same key, so only one of them migrates at a time.
 */
const MIGRATION_LOCK_KEY = 727_100_001;

/**
 * Brings the schema to the newest version. Everything runs in one transaction that first takes a
 * transaction-level advisory lock: racing replicas wait for the first one, then find nothing to do,
 * and a failed run leaves no half-applied migration. The lock is released by COMMIT/ROLLBACK or when
 * the session dies, so a crashed migrator cannot wedge the others.
 */
export async function runMigrations(session: MigrationSession, logger: Logger): Promise<AppliedMigration[]> {
  const postgrator = new Postgrator({
    driver: 'pg',
    migrationPattern: `${MIGRATIONS_DIR}*.sql`,
    schemaTable: 'schemaversion',
    validateChecksums: true,
    newline: 'LF',
    execQuery: (text) => session.query(text),
    execSqlScript: (script) => session.exec(script),
  });
  postgrator.on('migration-started', (migration) =>
    logger.info({ version: migration.version, migration: migration.name }, 'applying migration'),
  );

  await session.query('BEGIN');
  try {
    await session.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    const applied = await postgrator.migrate();
    await session.query('COMMIT');
    return applied.map(({ version, name }) => ({ version, name }));
  } catch (error) {
    // Best effort: if the connection is gone the server rolls back (and drops the lock) on its own.
    await session.query('ROLLBACK').catch(() => undefined);
    throw error;
  }
}
