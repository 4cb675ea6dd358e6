import type { Logger } from 'pino';
import { createMemoryRepository } from './memory.js';
import type { UserRepository } from './repository.js';

/** Which store to open and where; the subset of the service config the storage layer reads. */
export interface StoreConfig {
  readonly store: 'memory' | 'pglite' | 'postgres';
  readonly databaseUrl: string | undefined;
  readonly pgliteDir: string;
}

/**
 * Opens the configured store. SQL stores are migrated (under a PostgreSQL advisory lock) before this resolves.
 */
export async function openStore(config: StoreConfig, logger: Logger): Promise<UserRepository> {
  switch (config.store) {
    case 'memory':
      logger.info({ store: 'memory' }, 'using in-memory store');
      return createMemoryRepository();
    default:
      throw new Error(`store ${config.store} is not implemented yet`);
  }
}
