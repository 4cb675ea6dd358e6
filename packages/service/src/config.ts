import { bool, cleanEnv, makeValidator, str, url } from 'envalid';

export interface Config {
  port: number;
  host: string;
  store: 'memory' | 'postgres';
  databaseUrl: string | undefined;
  /** Files holding the database user and password, read for every new connection (rotation-safe). */
  databaseUserFile: string | undefined;
  databasePasswordFile: string | undefined;
  /** Migrate at start-up (default); false where a migration Job owns the schema. */
  migrateOnStart: boolean;
  logLevel: string;
  shutdownDelayMs: number;
  shutdownTimeoutMs: number;
  maxInFlight: number;
  /** Shed load while the event loop is saturated and its p99 delay exceeds this (or its CPU limit throttles it); 0 turns event-loop shedding off. */
  maxEventLoopDelayMs: number;
  /** The management listener: `/livez`, `/readyz`, `/metrics` (never on `port`). */
  managementPort: number;
  /** Open connections the API listener holds at most; new ones beyond are closed at once. */
  maxConnections: number;
  /** A request's headers must arrive within this (408 otherwise). */
  headersTimeoutMs: number;
  /** A whole request, body included, must arrive within this (408 otherwise): the body deadline. */
  requestTimeoutMs: number;
}

/** Thrown with one line per bad variable; `main` prints the message and exits 1. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

const STORES = ['memory', 'postgres'] as const;
const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function integerValidator(min: number, max: number) {
  return makeValidator((input: string) => {
    if (!/^\d+$/.test(input)) throw new Error(`must be a whole number from ${min} to ${max}, got "${input}"`);
    const value = Number(input);
    if (value < min || value > max) throw new Error(`must be from ${min} to ${max}, got ${value}`);
    return value;
  });
}

// 0 lets the OS pick a free port (tests); the bound port is logged.
const portNumber = integerValidator(0, 65_535);
const milliseconds = integerValidator(0, 3_600_000);
const positiveCount = integerValidator(1, 1_000_000);
// Connection timeouts: at least 100 ms (node:http checks them every half of the shorter, at most every 5 s).
const timeout = integerValidator(100, 600_000);

/** Validates the environment once at start-up. The only reader of the environment: `main` passes `process.env` in. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  // An empty variable (e.g. `PORT=` or an unset Helm value) means "use the default".
  const present = Object.fromEntries(
    Object.entries(env).filter(([, value]) => value !== undefined && value !== ''),
  );
  const cleaned = cleanEnv(
    present,
    {
      PORT: portNumber({ default: 8080 }),
      HOST: str({ default: '0.0.0.0' }),
      STORE: str({ choices: STORES, default: 'postgres' }),
      DATABASE_URL: url({
        default: undefined,
        desc: 'PostgreSQL connection URL, required when STORE=postgres (the default)',
        requiredWhen: (values) => values.STORE === 'postgres',
      }),
      DATABASE_USER_FILE: str({ default: undefined }),
      DATABASE_PASSWORD_FILE: str({ default: undefined }),
      MIGRATE_ON_START: bool({ default: true }),
      LOG_LEVEL: str({ choices: LOG_LEVELS, default: 'info' }),
      SHUTDOWN_DELAY_MS: milliseconds({ default: 0 }),
      SHUTDOWN_TIMEOUT_MS: milliseconds({ default: 10_000 }),
      MAX_IN_FLIGHT: positiveCount({ default: 256 }),
      MAX_EVENT_LOOP_DELAY_MS: milliseconds({ default: 200 }),
      MANAGEMENT_PORT: portNumber({ default: 8081 }),
      MAX_CONNECTIONS: positiveCount({ default: 1024 }),
      HEADERS_TIMEOUT_MS: timeout({ default: 10_000 }),
      REQUEST_TIMEOUT_MS: timeout({ default: 15_000 }),
    },
    {
      reporter: ({ errors }) => {
        const lines = Object.entries(errors).map(([name, error]) => `  ${name}: ${describe(name, error)}`);
        if (lines.length > 0) throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
      },
    },
  );
  if (cleaned.REQUEST_TIMEOUT_MS < cleaned.HEADERS_TIMEOUT_MS) {
    throw new ConfigError(
      `Invalid configuration:\n  REQUEST_TIMEOUT_MS: must be at least HEADERS_TIMEOUT_MS (${cleaned.HEADERS_TIMEOUT_MS}): the headers are part of the request`,
    );
  }
  if (cleaned.MANAGEMENT_PORT === cleaned.PORT && cleaned.PORT !== 0) {
    throw new ConfigError(
      `Invalid configuration:\n  MANAGEMENT_PORT: must differ from PORT (${cleaned.PORT}): metrics and probes get their own listener`,
    );
  }
  const databaseUrl = cleaned.DATABASE_URL;
  if (cleaned.DATABASE_PASSWORD_FILE !== undefined && databaseUrl && hasPassword(databaseUrl)) {
    throw new ConfigError(
      'Invalid configuration:\n  DATABASE_URL: must carry no password when DATABASE_PASSWORD_FILE is set',
    );
  }
  return {
    port: cleaned.PORT,
    host: cleaned.HOST,
    store: cleaned.STORE,
    databaseUrl,
    databaseUserFile: cleaned.DATABASE_USER_FILE,
    databasePasswordFile: cleaned.DATABASE_PASSWORD_FILE,
    migrateOnStart: cleaned.MIGRATE_ON_START,
    logLevel: cleaned.LOG_LEVEL,
    shutdownDelayMs: cleaned.SHUTDOWN_DELAY_MS,
    shutdownTimeoutMs: cleaned.SHUTDOWN_TIMEOUT_MS,
    maxInFlight: cleaned.MAX_IN_FLIGHT,
    maxEventLoopDelayMs: cleaned.MAX_EVENT_LOOP_DELAY_MS,
    managementPort: cleaned.MANAGEMENT_PORT,
    maxConnections: cleaned.MAX_CONNECTIONS,
    headersTimeoutMs: cleaned.HEADERS_TIMEOUT_MS,
    requestTimeoutMs: cleaned.REQUEST_TIMEOUT_MS,
  };
}

function hasPassword(databaseUrl: string): boolean {
  try {
    return new URL(databaseUrl).password !== '';
  } catch {
    return false;
  }
}

function describe(name: string, error: Error | undefined): string {
  if (error === undefined) return 'invalid';
  if (error.name === 'EnvMissingError')
    return name === 'DATABASE_URL'
      ? 'required when STORE=postgres (the default); STORE=memory runs without a database, and `pnpm dev` starts a local PostgreSQL'
      : 'required';
  // envalid's own messages never echo DATABASE_URL's value; keep secrets out of the message anyway.
  if (name === 'DATABASE_URL') return 'must be a URL such as postgres://user:password@host:5432/db';
  return error.message;
}
