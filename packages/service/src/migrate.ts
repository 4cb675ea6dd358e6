/**
 * `node dist/migrate.js`: applies pending schema migrations to the configured store and exits (0 on
 * success, 1 with the reason on failure). The Helm pre-upgrade hook Job runs it; the server also
 * migrates at start-up, so this is for running the schema change ahead of a rollout.
 */
import { ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { migrateStore } from './store/open-store.js';

async function migrate(): Promise<number> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  const logger = createLogger(config.logLevel);
  if (config.store === 'memory') {
    logger.info({ store: config.store }, 'STORE=memory has no schema: nothing to migrate');
    return 0;
  }
  try {
    const applied = await migrateStore(config, logger);
    const migrations = applied.map(({ version, name }) => `${version}.${name}`);
    logger.info(
      { store: config.store, applied: migrations },
      applied.length > 0 ? `applied ${applied.length} migration(s)` : 'schema already up to date',
    );
    return 0;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    logger.error({ err: error, store: config.store }, `migration failed: ${reason}`);
    return 1;
  }
}

// exitCode, not process.exit(): lets pino flush its asynchronous stdout buffer first.
process.exitCode = await migrate();
