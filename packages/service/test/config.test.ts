import test from 'ava';
import { ConfigError, loadConfig } from '../src/config.js';
import { startServiceProcess } from './helpers/service-process.js';

test('defaults (STORE=memory: without it, DATABASE_URL is required)', (t) => {
  t.deepEqual(loadConfig({ STORE: 'memory' }), {
    port: 8080,
    host: '0.0.0.0',
    store: 'memory',
    databaseUrl: undefined,
    databaseUserFile: undefined,
    databasePasswordFile: undefined,
    migrateOnStart: true,
    logLevel: 'info',
    shutdownDelayMs: 0,
    shutdownTimeoutMs: 10_000,
    maxInFlight: 256,
    maxEventLoopDelayMs: 200,
    managementPort: 8081,
    maxConnections: 1024,
    headersTimeoutMs: 10_000,
    requestTimeoutMs: 15_000,
    tracing: undefined,
  });
});

test('STORE defaults to postgres when DATABASE_URL is set', (t) => {
  const config = loadConfig({ DATABASE_URL: 'postgres://u:p@db:5432/app?sslmode=verify-full' });
  t.is(config.store, 'postgres');
  t.is(config.databaseUrl, 'postgres://u:p@db:5432/app?sslmode=verify-full');
});

test('every variable is read', (t) => {
  t.deepEqual(
    loadConfig({
      PORT: '9000',
      HOST: '127.0.0.1',
      STORE: 'memory',
      DATABASE_USER_FILE: '/var/run/secrets/database/username',
      DATABASE_PASSWORD_FILE: '/var/run/secrets/database/password',
      MIGRATE_ON_START: 'false',
      LOG_LEVEL: 'warn',
      SHUTDOWN_DELAY_MS: '5000',
      SHUTDOWN_TIMEOUT_MS: '20000',
      MAX_IN_FLIGHT: '64',
      MAX_EVENT_LOOP_DELAY_MS: '150',
      MANAGEMENT_PORT: '9001',
      MAX_CONNECTIONS: '100',
      HEADERS_TIMEOUT_MS: '2000',
      REQUEST_TIMEOUT_MS: '3000',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
      OTEL_TRACES_SAMPLER_ARG: '0.25',
    }),
    {
      port: 9000,
      host: '127.0.0.1',
      store: 'memory',
      databaseUrl: undefined,
      databaseUserFile: '/var/run/secrets/database/username',
      databasePasswordFile: '/var/run/secrets/database/password',
      migrateOnStart: false,
      logLevel: 'warn',
      shutdownDelayMs: 5000,
      shutdownTimeoutMs: 20_000,
      maxInFlight: 64,
      maxEventLoopDelayMs: 150,
      managementPort: 9001,
      maxConnections: 100,
      headersTimeoutMs: 2000,
      requestTimeoutMs: 3000,
      tracing: {
        tracesUrl: 'http://collector:4318/v1/traces',
        protocol: 'http/json',
        sampler: 'parentbased_traceidratio',
        samplerRatio: 0.25,
      },
    },
  );
});

test('an empty variable means the default', (t) => {
  t.is(loadConfig({ PORT: '', STORE: 'memory' }).port, 8080);
});

for (const [name, value] of [
  ['PORT', 'eighty'],
  ['PORT', '70000'],
  ['PORT', '-1'],
  ['STORE', 'redis'],
  ['STORE', 'pglite'],
  ['DATABASE_URL', 'not a url'],
  ['LOG_LEVEL', 'loud'],
  ['SHUTDOWN_DELAY_MS', '1.5'],
  ['SHUTDOWN_TIMEOUT_MS', 'soon'],
  ['MAX_IN_FLIGHT', '0'],
  ['MIGRATE_ON_START', 'sometimes'],
  ['MANAGEMENT_PORT', 'x'],
  ['MAX_CONNECTIONS', '0'],
  ['HEADERS_TIMEOUT_MS', '50'],
  ['REQUEST_TIMEOUT_MS', 'never'],
  ['OTEL_EXPORTER_OTLP_ENDPOINT', 'collector:4318'],
  ['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT', 'grpc://collector:4317'],
  ['OTEL_EXPORTER_OTLP_PROTOCOL', 'grpc'],
  ['OTEL_TRACES_SAMPLER', 'sometimes'],
  ['OTEL_TRACES_SAMPLER_ARG', '1.5'],
  ['OTEL_SDK_DISABLED', 'maybe'],
] as const) {
  test(`${name}=${value} is rejected with a message naming ${name}`, (t) => {
    const error = t.throws(() => loadConfig({ [name]: value }), { instanceOf: ConfigError });
    t.regex(error?.message ?? '', new RegExp(`\\b${name}\\b`));
  });
}

test('several bad variables are all named in one error', (t) => {
  const error = t.throws(() => loadConfig({ PORT: 'x', LOG_LEVEL: 'y', MAX_IN_FLIGHT: 'z' }), {
    instanceOf: ConfigError,
  });
  for (const name of ['PORT', 'LOG_LEVEL', 'MAX_IN_FLIGHT']) t.true(error?.message.includes(name), name);
});

test('with neither STORE nor DATABASE_URL, the error says what to set (never a silent in-memory store)', (t) => {
  const error = t.throws(() => loadConfig({}), { instanceOf: ConfigError });
  t.regex(error?.message ?? '', /DATABASE_URL: required when STORE=postgres \(the default\); STORE=memory/);
});

test('MANAGEMENT_PORT must differ from PORT (0, any free port, is fine for both)', (t) => {
  const error = t.throws(() => loadConfig({ STORE: 'memory', PORT: '9000', MANAGEMENT_PORT: '9000' }), {
    instanceOf: ConfigError,
  });
  t.regex(error?.message ?? '', /MANAGEMENT_PORT/);
  t.is(loadConfig({ STORE: 'memory', PORT: '0', MANAGEMENT_PORT: '0' }).managementPort, 0);
  t.throws(() => loadConfig({ STORE: 'memory', MANAGEMENT_PORT: '8080' }), { instanceOf: ConfigError });
});

test('REQUEST_TIMEOUT_MS (the whole request) cannot be shorter than HEADERS_TIMEOUT_MS', (t) => {
  const error = t.throws(
    () => loadConfig({ STORE: 'memory', HEADERS_TIMEOUT_MS: '5000', REQUEST_TIMEOUT_MS: '4000' }),
    {
      instanceOf: ConfigError,
    },
  );
  t.regex(error?.message ?? '', /REQUEST_TIMEOUT_MS/);
});

test('STORE=postgres without DATABASE_URL is a config error', (t) => {
  const error = t.throws(() => loadConfig({ STORE: 'postgres' }), { instanceOf: ConfigError });
  t.regex(error?.message ?? '', /DATABASE_URL/);
});

test('DATABASE_URL must carry no password when DATABASE_PASSWORD_FILE is set (one source of truth)', (t) => {
  const error = t.throws(
    () =>
      loadConfig({ DATABASE_URL: 'postgres://app:hunter2@db/app', DATABASE_PASSWORD_FILE: '/run/password' }),
    { instanceOf: ConfigError },
  );
  t.regex(error?.message ?? '', /DATABASE_URL: must carry no password when DATABASE_PASSWORD_FILE is set/);
  t.false(error?.message.includes('hunter2'));
  t.notThrows(() =>
    loadConfig({ DATABASE_URL: 'postgres://app@db/app', DATABASE_PASSWORD_FILE: '/run/password' }),
  );
});

test('a bad DATABASE_URL is reported without echoing its value', (t) => {
  const error = t.throws(() => loadConfig({ DATABASE_URL: 'secret-password-here' }), {
    instanceOf: ConfigError,
  });
  t.false(error?.message.includes('secret-password-here'));
});

test('the service exits 1 with the message and no stack trace on bad config', async (t) => {
  const service = startServiceProcess({ PORT: 'eighty', STORE: 'postgres' });
  t.teardown(() => service.kill());
  t.is(await service.exited, 1);
  t.regex(service.stderr(), /PORT/);
  t.regex(service.stderr(), /DATABASE_URL/);
  t.notRegex(service.stderr(), /\n\s+at /);
});

test('tracing is off without an OTLP endpoint, on with one; the traces endpoint is used as is, the base one gets /v1/traces', (t) => {
  t.is(loadConfig({ STORE: 'memory' }).tracing, undefined);
  t.is(loadConfig({ STORE: 'memory', OTEL_TRACES_SAMPLER: 'always_on' }).tracing, undefined);
  t.like(
    loadConfig({ STORE: 'memory', OTEL_EXPORTER_OTLP_ENDPOINT: 'https://otel.example:4318/base/' }).tracing,
    {
      tracesUrl: 'https://otel.example:4318/base/v1/traces',
      protocol: 'http/protobuf',
      sampler: 'parentbased_always_on',
    },
  );
  t.like(
    loadConfig({
      STORE: 'memory',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://traces:4318/custom',
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
    }).tracing,
    { tracesUrl: 'http://traces:4318/custom', protocol: 'http/json' },
  );
  t.is(
    loadConfig({
      STORE: 'memory',
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      OTEL_SDK_DISABLED: 'true',
    }).tracing,
    undefined,
  );
});

test('OTLP over gRPC is refused with what to use instead', (t) => {
  const error = t.throws(
    () =>
      loadConfig({
        STORE: 'memory',
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4317',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc',
      }),
    { instanceOf: ConfigError },
  );
  t.regex(
    error?.message ?? '',
    /OTEL_EXPORTER_OTLP_PROTOCOL: must be one of http\/protobuf, http\/json.*4318/,
  );
});
