import { StoreUnavailableError } from './repository.js';

/** Socket-level failures: the server is down, restarting, unreachable or not resolvable right now. */
const UNREACHABLE_ERRNO_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/** SQLSTATEs (outside class 08, connection exception) that mean "try again later", not "your query is wrong". */
const TRANSIENT_SQLSTATES = new Set([
  '57P01', // admin_shutdown: the server is stopping (also sent to idle sessions on RDS failover)
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now: starting up / shutting down / recovering
  '57014', // query_canceled: our statement_timeout fired
  '53300', // too_many_connections
  '25006', // read_only_sql_transaction: connected to a node that was just demoted by a failover
]);

/**
 * Messages of errors node-postgres / pg-pool / PGlite raise without a code, all meaning the
 * connection is gone, could not be made in time, or the store is closing.
 */
const UNREACHABLE_MESSAGE =
  /^(Connection terminated|timeout expired|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Client was closed|Cannot use a pool after calling end|PGlite is closed)/;

/** True when `error` says the database cannot be reached right now (as opposed to a bad query or data). */
export function isStoreUnavailable(error: unknown): boolean {
  if (error instanceof StoreUnavailableError) return true;
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (UNREACHABLE_ERRNO_CODES.has(code) || TRANSIENT_SQLSTATES.has(code)) return true;
    if (code.length === 5 && code.startsWith('08')) return true;
  }
  if (UNREACHABLE_MESSAGE.test(error.message)) return true;
  // Connecting to a host name with several addresses fails with one AggregateError for all of them.
  if (error instanceof AggregateError && error.errors.some(isStoreUnavailable)) return true;
  // pg-pool wraps the socket error of a timed-out connect as `cause`.
  return error.cause !== undefined && error.cause !== error && isStoreUnavailable(error.cause);
}

/** Rethrows `error`, as a `StoreUnavailableError` when it means the database cannot be reached. */
export function rethrowClassified(error: unknown): never {
  if (error instanceof StoreUnavailableError || !isStoreUnavailable(error)) throw error;
  const reason = error instanceof Error ? error.message : String(error);
  throw new StoreUnavailableError(`database unavailable: ${reason}`, { cause: error });
}
