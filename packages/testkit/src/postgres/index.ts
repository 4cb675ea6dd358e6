export { findPostgresBinaries, type PostgresBinaries } from './binaries.js';
export type { Identity } from './identity.js';
export {
  DirectoryInUseError,
  hasCluster,
  type PostgresOptions,
  type PostgresServer,
  PostgresStartError,
  startPostgres,
} from './server.js';
export {
  acquireTestPostgres,
  createTestDatabase,
  type TestDatabase,
  type TestPostgresServer,
} from './test-database.js';
