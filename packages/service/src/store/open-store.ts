import type { Logger } from 'pino';
import { createMemoryRepository } from './memory.js';
import type { AppliedMigration } from './migrations.js';
import {
  createPostgresPool,
  DEFAULT_POSTGRES_TUNING,
  migratePostgresAtStartup,
  openPostgresRepository,
  type PostgresTuning,
} from './postgres.js';
import type { UserRepository } from './repository.js';

/** Which store to open and where; the subset of the service config the storage layer reads. */
export interface StoreConfig {
  readonly store: 'memory' | 'pglite' | 'postgres';
  readonly databaseUrl: string | undefined;
  readonly pgliteDir: string;
}

// PGlite (a WebAssembly PostgreSQL) is loaded only when chosen: importing it costs start-up time and
// memory that the memory and postgres stores (every cluster install) never need.
const loadPglite = () => import('./pglite.js');

function requireDatabaseUrl(config: StoreConfig): string {
  if (!config.databaseUrl) throw new Error('STORE=postgres needs DATABASE_URL');
  return config.databaseUrl;
}

/**
 * Opens the configured store. SQL stores are migrated (under a PostgreSQL advisory lock) before this
 * resolves. With `postgres`, an unreachable database is retried with backoff for
 * `tuning.startupTimeoutMs` (30 s by default) before this rejects; other errors reject at once.
 */
export async function openStore(
  config: StoreConfig,
  logger: Logger,
  tuning: Partial<PostgresTuning> = {},
): Promise<UserRepository> {
  switch (config.store) {
    case 'memory':
      logger.info({ store: 'memory' }, 'using in-memory store (not shared, lost on restart)');
      return createMemoryRepository();
    case 'pglite': {
      const { openPgliteRepository } = await loadPglite();
      return openPgliteRepository(config.pgliteDir, logger);
    }
    case 'postgres':
      return openPostgresRepository(
        requireDatabaseUrl(config),
        { ...DEFAULT_POSTGRES_TUNING, ...tuning },
        logger,
      );
  }
}

/** Applies pending migrations to the configured store and releases it (the `migrate` command). */
export async function migrateStore(
  config: StoreConfig,
  logger: Logger,
  tuning: Partial<PostgresTuning> = {},
): Promise<AppliedMigration[]> {
  switch (config.store) {
    case 'memory':
      return [];
    case 'pglite': {
      const { migratePglite, openPglite } = await loadPglite();
      const db = await openPglite(config.pgliteDir);
      try {
        return await migratePglite(db, logger);
      } finally {
        await db.close();
      }
    }
    case 'postgres': {
      const fullTuning = { ...DEFAULT_POSTGRES_TUNING, ...tuning, maxConnections: 1 };
      const pool = createPostgresPool(requireDatabaseUrl(config), fullTuning, logger);
      try {
        return await migratePostgresAtStartup(pool, fullTuning, logger);
      } finally {
        await pool.end();
      }
    }
  }
}
