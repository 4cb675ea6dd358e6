import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { request } from 'undici';
import type { Clock } from '../../src/domain/clock.js';
import { createApiApp, createManagementApp } from '../../src/http/app.js';
import { createHttpMetrics } from '../../src/http/metrics.js';
import { createRequestLog } from '../../src/http/request-log.js';
import {
  apiLimits,
  createHttpServer,
  createServerObservers,
  MANAGEMENT_LIMITS,
} from '../../src/http/server.js';
import { createDrainState, type DrainState } from '../../src/lifecycle/draining.js';
import { createStoreStatus, type StoreStatus } from '../../src/lifecycle/store-status.js';
import type { LoadSignal } from '../../src/overload/event-loop-load.js';
import { createMemoryRepository } from '../../src/store/memory.js';
import type { UserRepository } from '../../src/store/repository.js';

/** The date the pinned test clock reports (a leap year, so 29 February exists). */
export const TODAY = '2024-03-01';

export function fixedClock(date: string): Clock {
  return { now: () => new Date(`${date}T12:00:00.000Z`) };
}

export interface TestAppOptions {
  repository?: UserRepository;
  today?: string;
  maxInFlight?: number;
  load?: LoadSignal;
  /** A store ping slower than this counts as down (default 500 ms, as in main.ts). */
  storePingTimeoutMs?: number;
}

/** Something `send` can talk to. */
export interface Listener {
  readonly url: string;
}

export interface TestApp extends Listener {
  /** The API listener's URL. */
  readonly url: string;
  /** The management listener (`/livez`, `/readyz`, `/metrics`). */
  readonly management: Listener;
  readonly repository: UserRepository;
  readonly drainState: DrainState;
  readonly storeStatus: StoreStatus;
  /** Every log line the app wrote, parsed. */
  readonly logs: Record<string, unknown>[];
  close(): Promise<void>;
}

async function listenOnLoopback(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

function closeServer(server: Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

/** The real apps, API and management, each on a real `http.Server` on an ephemeral 127.0.0.1 port. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const repository = options.repository ?? createMemoryRepository();
  const drainState = createDrainState();
  const logs: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line !== '') logs.push(JSON.parse(line));
      callback();
    },
  });
  const logger = pino({ level: 'info' }, sink);
  const registry = new Registry();
  const storeStatus = createStoreStatus({
    repository,
    logger,
    registry,
    pingTimeoutMs: options.storePingTimeoutMs ?? 500,
  });
  const common = {
    logger,
    metrics: createHttpMetrics(registry),
    requestLog: createRequestLog(logger, (line) => sink.write(line)),
    drainState,
    storeStatus,
  };
  const observers = createServerObservers(registry, logger);
  const api = createHttpServer(
    'api',
    createApiApp({
      ...common,
      repository,
      clock: fixedClock(options.today ?? TODAY),
      registry,
      maxInFlight: options.maxInFlight ?? 512,
      ...(options.load === undefined ? {} : { load: options.load }),
    }),
    apiLimits({ maxConnections: 1024, headersTimeoutMs: 10_000, requestTimeoutMs: 15_000 }),
    observers,
  );
  const management = createHttpServer(
    'management',
    createManagementApp({ ...common, registry }),
    MANAGEMENT_LIMITS,
    observers,
  );
  const url = await listenOnLoopback(api);
  const managementUrl = await listenOnLoopback(management);
  return {
    url,
    management: { url: managementUrl },
    repository,
    drainState,
    storeStatus,
    logs,
    close: async () => {
      await Promise.all([closeServer(api), closeServer(management)]);
    },
  };
}

export interface SentRequest {
  headers?: Record<string, string>;
  body?: string | Buffer;
}

export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON (throws when it is not JSON). */
  json(): unknown;
}

/** Any method, any raw path (sent as is: no normalisation or re-encoding by a URL parser). */
export async function send(
  app: Listener,
  method: string,
  path: string,
  sent: SentRequest = {},
): Promise<Reply> {
  const response = await request(`${app.url}${path}`, {
    method,
    headers: sent.headers ?? {},
    ...(sent.body === undefined ? {} : { body: sent.body }),
  });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, text, json: () => JSON.parse(text) };
}

export function putBirthday(app: TestApp, username: string, dateOfBirth: unknown): Promise<Reply> {
  return send(app, 'PUT', `/hello/${username}`, {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ dateOfBirth }),
  });
}

export async function greetingFor(app: TestApp, username: string): Promise<string> {
  const reply = await send(app, 'GET', `/hello/${username}`);
  if (reply.status !== 200) throw new Error(`GET /hello/${username} answered ${reply.status}: ${reply.text}`);
  return (reply.json() as { message: string }).message;
}
