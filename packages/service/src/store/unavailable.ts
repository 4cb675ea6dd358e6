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
 * Messages of errors node-postgres / pg-pool raise without a code, all meaning the
 * connection is gone, could not be made in time, or the store is closing.
 */
const UNREACHABLE_MESSAGE =
  /^(Connection terminated|timeout expired|timeout exceeded when trying to connect|Query read timeout|Client has encountered a connection error|Client was closed|Cannot use a pool after calling end)/;

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

/** SQLSTATEs of a server ending the session: the statement was not answered, the next connection may be fine. */
const SESSION_ENDED_SQLSTATES = new Set([
  '57P01', // admin_shutdown: pg_terminate_backend, a stopping server, an RDS failover
  '57P02', // crash_shutdown
  '57P03', // cannot_connect_now
]);

/** Socket errors of an established connection dying under a statement. */
const CONNECTION_DIED_ERRNO_CODES = new Set(['ECONNRESET', 'EPIPE']);

/**
 * True when the statement's connection died before the statement was answered ("Connection
 * terminated unexpectedly", which has no SQLSTATE; 57P01–57P03; class 08): worth one more try on a
 * fresh connection. Not a statement timeout (57014), nor anything else.
 */
export function isConnectionLost(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    return SESSION_ENDED_SQLSTATES.has(code) || CONNECTION_DIED_ERRNO_CODES.has(code) || /^08...$/.test(code);
  }
  return error.message.startsWith('Connection terminated unexpectedly');
}

/** SQLSTATE 28P01 invalid_password (also what PostgreSQL answers for an unknown user). */
export function isAuthenticationFailure(error: unknown): boolean {
  return error instanceof Error && (error as { code?: unknown }).code === '28P01';
}
