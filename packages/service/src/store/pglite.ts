import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import type { Logger } from 'pino';
import { type AppliedMigration, type MigrationSession, runMigrations } from './migrations.js';
import type { UserRepository } from './repository.js';
import { createSqlRepository, type Queryable, type SqlStatement } from './sql.js';
import { rethrowClassified } from './unavailable.js';

/**
 * Opens (creating it if needed) the embedded PostgreSQL database in `dataDir`. Only one process may
 * open a directory at a time. Creating a fresh database takes seconds; reopening one well under one.
 */
export async function openPglite(dataDir: string): Promise<PGlite> {
  await mkdir(dataDir, { recursive: true });
  return PGlite.create(dataDir);
}

/** PGlite has no named statements; it parses each call (in-process, so cheap next to a network round trip). */
function pgliteQueryable(db: PGlite): Queryable {
  return {
    async query<Row>(statement: SqlStatement, values: readonly unknown[]): Promise<readonly Row[]> {
      try {
        const result = await db.query<Row>(statement.text, values as unknown[]);
        return result.rows;
      } catch (error) {
        rethrowClassified(error);
      }
    },
  };
}

/** PGlite is a single session, so the advisory lock and the migrations share it by construction. */
function pgliteMigrationSession(db: PGlite): MigrationSession {
  return {
    query: (text) => db.query(text),
    async exec(script) {
      // exec uses the simple protocol: a migration file may hold several statements.
      await db.exec(script);
    },
  };
}

export function migratePglite(db: PGlite, logger: Logger): Promise<AppliedMigration[]> {
  return runMigrations(pgliteMigrationSession(db), logger);
}

/** Opens the PGlite store in `dataDir` and migrates it. */
export async function openPgliteRepository(dataDir: string, logger: Logger): Promise<UserRepository> {
  const db = await openPglite(dataDir);
  try {
    const applied = await migratePglite(db, logger);
    logger.info({ store: 'pglite', dataDir, appliedMigrations: applied.length }, 'PGlite store ready');
  } catch (error) {
    await db.close().catch(() => undefined);
    throw error;
  }
  return createSqlRepository(pgliteQueryable(db), () => db.close());
}
