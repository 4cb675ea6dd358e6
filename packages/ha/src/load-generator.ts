import { performance } from 'node:perf_hooks';
import { sleep } from '@high-available-server/testkit/process';
import { Agent, request } from 'undici';
import type { AcknowledgedWrites } from './acknowledged-writes.js';
import { acceptableGreetings, type TestUser, type UserFactory } from './users.js';

/** ok: the expected answer. unavailable: 503 (an honest refusal; each scenario decides if it is allowed). */
export type Outcome = 'ok' | 'unavailable' | 'failed';

export interface Sample {
  readonly kind: 'put' | 'get';
  /** performance.now() when the request was due (open loop: latency counts from here). */
  readonly scheduledAt: number;
  /** How late the client sent it (its own event loop lag): large values mean the client, not the server, is the bottleneck. */
  readonly sendLagMs: number;
  readonly endedAt: number;
  readonly latencyMs: number;
  /** HTTP status, 0 when there was no answer (timeout, connection error). */
  readonly status: number;
  readonly outcome: Outcome;
  /** Why it is not ok (status, body, error). */
  readonly detail?: string;
  /** Content-Type of a 503, to tell the service's problem+json from the load balancer's page. */
  readonly contentType?: string;
  /** A 503's `Retry-After`, in ms. */
  readonly retryAfterMs?: number;
  /** The replica that answered, as the drill's load balancer names it (its `X-Drill-Server` header). */
  readonly server?: string;
}

export interface LoadOptions {
  readonly baseUrl: string;
  readonly rps: number;
  readonly durationMs: number;
  /** Share of requests that are PUTs of new users; the rest GET an acknowledged user. */
  readonly writeRatio: number;
  readonly timeoutMs: number;
  readonly users: UserFactory;
  readonly acknowledged: AcknowledgedWrites;
  readonly dispatcher: Agent;
  readonly onSample?: (sample: Sample) => void;
}

export interface LoadRun {
  /** Stops scheduling new requests before the duration is over. */
  stop(): void;
  /** All samples, once every request sent has been answered or timed out. */
  readonly finished: Promise<Sample[]>;
}

/** Keep-alive connections to one origin; open loop, so enough of them that the client never queues. */
export function loadDispatcher(connections = 256): Agent {
  // Idle connections are closed after 4 s, well before the LB's 60 s, so the client never races it.
  return new Agent({ connections, pipelining: 1, keepAliveTimeout: 4_000, connect: { timeout: 5_000 } });
}

/** The response header the drill's load balancer adds with the name of the replica that answered. */
export const SERVER_HEADER = 'x-drill-server';

async function send(options: RequestOptions, kind: 'put' | 'get', user: TestUser) {
  const path = `${options.baseUrl}/hello/${encodeURIComponent(user.username)}`;
  const signal = AbortSignal.timeout(options.timeoutMs);
  const response =
    kind === 'put'
      ? await request(path, {
          dispatcher: options.dispatcher,
          method: 'PUT',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ dateOfBirth: user.dateOfBirth }),
          signal,
        })
      : await request(path, { dispatcher: options.dispatcher, method: 'GET', signal });
  const body = await response.body.text();
  const contentType = String(response.headers['content-type'] ?? '');
  const status = response.statusCode;
  const servedBy = response.headers[SERVER_HEADER];
  const answer = <T extends object>(result: T) =>
    typeof servedBy === 'string' ? { ...result, server: servedBy } : result;
  if (status === 503) {
    const retryAfterS = Number(response.headers['retry-after']);
    return answer({
      status,
      outcome: 'unavailable' as const,
      detail: `503 ${body.slice(0, 120)}`,
      contentType,
      ...(retryAfterS > 0 ? { retryAfterMs: retryAfterS * 1000 } : {}),
    });
  }
  if (kind === 'put') {
    if (status === 204 && body === '') {
      options.acknowledged.add(user);
      return answer({ status, outcome: 'ok' as const });
    }
    return answer({ status, outcome: 'failed' as const, detail: `PUT ${status} ${body.slice(0, 200)}` });
  }
  if (status === 200 && contentType.startsWith('application/json')) {
    const message = (JSON.parse(body) as { message?: unknown }).message;
    if (typeof message === 'string' && acceptableGreetings(user, new Date()).includes(message)) {
      return answer({ status, outcome: 'ok' as const });
    }
  }
  return answer({ status, outcome: 'failed' as const, detail: `GET ${status} ${body.slice(0, 200)}` });
}

type RequestOptions = Omit<LoadOptions, 'rps' | 'durationMs' | 'onSample'>;

/** One request of the mix (a PUT of a new user, or a GET of an acknowledged one), checked. */
async function oneRequest(options: RequestOptions, scheduledAt: number): Promise<Sample> {
  const sendLagMs = performance.now() - scheduledAt;
  const acknowledgedUser = options.acknowledged.pick(Math.random);
  const kind = acknowledgedUser && Math.random() >= options.writeRatio ? 'get' : 'put';
  const user = kind === 'get' && acknowledgedUser ? acknowledgedUser : options.users.next();
  const result = await send(options, kind, user).catch((error: unknown) => ({
    status: 0,
    outcome: 'failed' as const,
    detail: `${kind.toUpperCase()} no answer: ${error instanceof Error ? `${error.name} ${error.message}` : String(error)}`,
  }));
  const endedAt = performance.now();
  return { kind, scheduledAt, sendLagMs, endedAt, latencyMs: endedAt - scheduledAt, ...result };
}

/**
 * Closed loop: `concurrency` clients each send the next request as soon as the previous one is answered,
 * or, after a 503, once its `Retry-After` has passed, as a well-behaved client does. Their rate of served
 * answers is the capacity of the system under test (this client included); a client that retried a
 * refusal at once would measure how fast the service refuses instead.
 */
export async function measureCapacity(
  options: RequestOptions & { concurrency: number; durationMs: number; onSample?: (sample: Sample) => void },
): Promise<Sample[]> {
  const samples: Sample[] = [];
  const end = performance.now() + options.durationMs;
  const client = async () => {
    while (performance.now() < end) {
      const sample = await oneRequest(options, performance.now());
      samples.push(sample);
      options.onSample?.(sample);
      if (sample.retryAfterMs !== undefined)
        await sleep(Math.max(0, Math.min(sample.retryAfterMs, end - performance.now())));
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  return samples;
}

/**
 * Open-loop, constant-rate load: request i is due at start + i/rps whatever happened to earlier ones, so
 * a slow or failing server does not slow the offered load down (no coordinated omission). Every answer is
 * checked (status and body); acknowledged PUTs are recorded for the lost-write check.
 */
export function runLoad(options: LoadOptions): LoadRun {
  const samples: Sample[] = [];
  const inFlight = new Set<Promise<void>>();
  const intervalMs = 1000 / options.rps;
  let stopped = false;
  let wake: (() => void) | undefined;
  let timer: NodeJS.Timeout | undefined;

  const fire = (scheduledAt: number) => {
    const task = oneRequest(options, scheduledAt).then((sample) => {
      samples.push(sample);
      options.onSample?.(sample);
    });
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  };

  const schedule = async () => {
    const start = performance.now();
    // Exactly rps × duration requests, even when the event loop wakes late (late ones go out at once).
    const total = Math.round((options.durationMs / 1000) * options.rps);
    let sent = 0;
    while (!stopped && sent < total) {
      const due = Math.min(total, Math.floor((performance.now() - start) / intervalMs) + 1);
      for (; sent < due; sent++) fire(start + sent * intervalMs);
      const nextDue = start + sent * intervalMs;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, Math.max(1, nextDue - performance.now()));
      });
    }
    while (inFlight.size > 0) await Promise.all([...inFlight]);
    return samples;
  };

  return {
    stop() {
      stopped = true;
      clearTimeout(timer);
      wake?.();
    },
    finished: schedule(),
  };
}
