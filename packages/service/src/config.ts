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
  /** OpenTelemetry tracing; `undefined` (no OTLP endpoint set) means off, and nothing of it is loaded. */
  tracing: TracingConfig | undefined;
}

/** The OTLP protocols the service speaks (gRPC is not shipped: every collector also listens for OTLP/HTTP). */
export const OTLP_PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export const TRACE_SAMPLERS = [
  'parentbased_always_on',
  'parentbased_always_off',
  'parentbased_traceidratio',
  'always_on',
  'always_off',
  'traceidratio',
] as const;

/** What the service reads of the standard OTEL_* variables; the exporter reads its own (headers, timeout, TLS). */
export interface TracingConfig {
  /** Where spans go: `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, else `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`. */
  readonly tracesUrl: string;
  readonly protocol: (typeof OTLP_PROTOCOLS)[number];
  /** `OTEL_TRACES_SAMPLER`; the ratio samplers take `OTEL_TRACES_SAMPLER_ARG` (0 to 1, default 1). */
  readonly sampler: (typeof TRACE_SAMPLERS)[number];
  readonly samplerRatio: number;
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
const ratio = makeValidator((input: string) => {
  const value = Number(input);
  if (input.trim() === '' || !Number.isFinite(value) || value < 0 || value > 1)
    throw new Error(`must be a number from 0 to 1, got "${input}"`);
  return value;
});
const httpUrl = makeValidator((input: string) => {
  let parsed: URL;
  try {
    parsed = new URL(input);
  } catch {
    throw new Error(`must be an http:// or https:// URL, got "${input}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    throw new Error(`must be an http:// or https:// URL (OTLP over HTTP), got "${parsed.protocol}"`);
  return input;
});
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
      // The standard OpenTelemetry variables (tracing is on when an endpoint is set).
      OTEL_SDK_DISABLED: bool({ default: false }),
      OTEL_EXPORTER_OTLP_ENDPOINT: httpUrl({ default: undefined }),
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: httpUrl({ default: undefined }),
      OTEL_EXPORTER_OTLP_PROTOCOL: str({ choices: OTLP_PROTOCOLS, default: 'http/protobuf' }),
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: str({ choices: OTLP_PROTOCOLS, default: undefined }),
      OTEL_TRACES_SAMPLER: str({ choices: TRACE_SAMPLERS, default: 'parentbased_always_on' }),
      OTEL_TRACES_SAMPLER_ARG: ratio({ default: 1 }),
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
    tracing: tracingConfig(cleaned),
  };
}

function tracingConfig(cleaned: {
  OTEL_SDK_DISABLED: boolean;
  OTEL_EXPORTER_OTLP_ENDPOINT: string | undefined;
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: string | undefined;
  OTEL_EXPORTER_OTLP_PROTOCOL: TracingConfig['protocol'];
  OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: TracingConfig['protocol'] | undefined;
  OTEL_TRACES_SAMPLER: TracingConfig['sampler'];
  OTEL_TRACES_SAMPLER_ARG: number;
}): TracingConfig | undefined {
  if (cleaned.OTEL_SDK_DISABLED) return undefined;
  const tracesUrl =
    cleaned.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
    (cleaned.OTEL_EXPORTER_OTLP_ENDPOINT === undefined
      ? undefined
      : `${cleaned.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces`);
  if (tracesUrl === undefined) return undefined;
  return {
    tracesUrl,
    protocol: cleaned.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ?? cleaned.OTEL_EXPORTER_OTLP_PROTOCOL,
    sampler: cleaned.OTEL_TRACES_SAMPLER,
    samplerRatio: cleaned.OTEL_TRACES_SAMPLER_ARG,
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
  if (name.endsWith('_PROTOCOL'))
    return `must be one of ${OTLP_PROTOCOLS.join(', ')}: the service exports OTLP over HTTP only (a collector's OTLP/HTTP port is 4318)`;
  return error.message;
}
