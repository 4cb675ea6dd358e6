/** A user's stored birthday. `dateOfBirth` is an ISO calendar date, `YYYY-MM-DD`. */
export interface UserRecord {
  readonly username: string;
  readonly dateOfBirth: string;
}

/**
 * The only thing the HTTP layer knows about storage. Implementations: memory, PostgreSQL.
 * Every method rejects with `StoreUnavailableError` when the backing store cannot be reached, so the
 * HTTP layer can answer 503 + Retry-After instead of 500.
 */
export interface UserRepository {
  /** Inserts or replaces the user's date of birth. Resolves only once the write is durable. */
  save(user: UserRecord): Promise<void>;
  /** The stored date of birth, or `undefined` when the user is unknown. */
  findDateOfBirth(username: string): Promise<string | undefined>;
  /** Resolves when the store answers a trivial query; used by `/readyz`. */
  ping(): Promise<void>;
  /** Releases connections/files. Safe to call once during shutdown. */
  close(): Promise<void>;
}

/** The store cannot be reached right now (connection refused, timeout, server shutting down). */
export class StoreUnavailableError extends Error {
  override readonly name = 'StoreUnavailableError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
