import type { UserRecord, UserRepository } from './repository.js';

/**
 * A statement with a fixed text. `name` lets drivers that support it (node-postgres) prepare the
 * statement once per connection instead of parsing it on every call.
 */
export interface SqlStatement {
  readonly name: string;
  readonly text: string;
  /** What it does and to which table, declared beside the text (for trace spans: no SQL parsing). */
  readonly operation: 'SELECT' | 'INSERT';
  readonly collection?: string;
}

/**
 * The one capability the SQL repository needs; the pg Pool satisfies it through a tiny
 * adapter (postgres.ts), and a test can stand in for it. Implementations reject with `StoreUnavailableError` when the database cannot be reached.
 */
export interface Queryable {
  query<Row>(statement: SqlStatement, values: readonly unknown[]): Promise<readonly Row[]>;
}

/** Wraps a `Queryable` (the composition root adds tracing this way); the identity by default. */
export type QueryableDecorator = (db: Queryable) => Queryable;

const UPSERT_USER: SqlStatement = {
  name: 'users_upsert_v1',
  text: `INSERT INTO users (username, date_of_birth) VALUES ($1, $2::date)
ON CONFLICT (username) DO UPDATE SET date_of_birth = EXCLUDED.date_of_birth`,
  operation: 'INSERT',
  collection: 'users',
};

// to_char, not the driver's date parsing: node-postgres turns `date` into a JS Date at local midnight,
// which shifts the day in any time zone west of UTC. to_char does not depend on DateStyle either.
const FIND_DATE_OF_BIRTH: SqlStatement = {
  name: 'users_find_dob_v1',
  text: `SELECT to_char(date_of_birth, 'YYYY-MM-DD') AS date_of_birth FROM users WHERE username = $1`,
  operation: 'SELECT',
  collection: 'users',
};

const PING: SqlStatement = { name: 'ping_v1', text: 'SELECT 1', operation: 'SELECT' };

const NO_VALUES: readonly unknown[] = [];

interface DateOfBirthRow {
  readonly date_of_birth: string;
}

/** The user repository over any PostgreSQL-speaking `Queryable`; `closeDatabase` releases it. */
export function createSqlRepository(db: Queryable, closeDatabase: () => Promise<void>): UserRepository {
  let closing: Promise<void> | undefined;
  return {
    async save(user: UserRecord) {
      await db.query(UPSERT_USER, [user.username, user.dateOfBirth]);
    },
    async findDateOfBirth(username: string) {
      const rows = await db.query<DateOfBirthRow>(FIND_DATE_OF_BIRTH, [username]);
      return rows[0]?.date_of_birth;
    },
    async ping() {
      await db.query(PING, NO_VALUES);
    },
    close() {
      closing ??= closeDatabase();
      return closing;
    },
  };
}
