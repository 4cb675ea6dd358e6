import type { Logger } from 'pino';
import type { CredentialFiles } from './credentials.js';
import { createMemoryRepository } from './memory.js';
import type { AppliedMigration } from './migrations.js';
import {
  DEFAULT_POSTGRES_TUNING,
  migratePostgresOnce,
  openPostgresRepository,
  type PostgresConnection,
  type PostgresTuning,
} from './postgres.js';
import type { UserRepository } from './repository.js';
import type { QueryableDecorator } from './sql.js';

/** Which store to open and where; the subset of the service config the storage layer reads. */
export interface StoreConfig {
  readonly store: 'memory' | 'postgres';
  readonly databaseUrl: string | undefined;
  /** `DATABASE_USER_FILE` / `DATABASE_PASSWORD_FILE`: read for every new connection. */
  readonly databaseUserFile?: string | undefined;
  readonly databasePasswordFile?: string | undefined;
  /** `MIGRATE_ON_START` (default true): migrate before serving, or leave it to the migrate command. */
  readonly migrateOnStart?: boolean;
}

function postgresConnection(config: StoreConfig): PostgresConnection {
  if (!config.databaseUrl) throw new Error('STORE=postgres needs DATABASE_URL');
  const credentials: CredentialFiles = {
    userFile: config.databaseUserFile,
    passwordFile: config.databasePasswordFile,
  };
  return { url: config.databaseUrl, credentials };
}

/**
 * Opens the configured store. The PostgreSQL store is migrated (under a PostgreSQL advisory lock) before this
 * resolves, unless `migrateOnStart` is false. With `postgres`, an unreachable database is retried with backoff for
 * `tuning.startupTimeoutMs` (30 s by default) before this rejects; other errors reject at once.
 * `decorateQueries` wraps the SQL store's queries (tracing); the memory store has none.
 */
export async function openStore(
  config: StoreConfig,
  logger: Logger,
  tuning: Partial<PostgresTuning> = {},
  decorateQueries?: QueryableDecorator,
): Promise<UserRepository> {
  switch (config.store) {
    case 'memory':
      logger.info({ store: 'memory' }, 'using in-memory store (not shared, lost on restart)');
      return createMemoryRepository();
    case 'postgres':
      return openPostgresRepository(
        postgresConnection(config),
        { ...DEFAULT_POSTGRES_TUNING, ...tuning },
        logger,
        config.migrateOnStart ?? true,
        decorateQueries,
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
    case 'postgres':
      return migratePostgresOnce(
        postgresConnection(config),
        { ...DEFAULT_POSTGRES_TUNING, ...tuning },
        logger,
      );
  }
}
