import { connect, type Socket } from 'node:net';

/** One HTTP/1.1 response as it came off the wire. */
export interface RawResponse {
  readonly status: number;
  /** Header names lower-cased; a repeated field's values joined with ", ". */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * The responses in `text` (latin1: one char per byte), in order: interim 1xx responses (no body) and final ones (body by Content-Length).
 * Stops at an incomplete response.
 */
export function parseResponses(text: string): RawResponse[] {
  const responses: RawResponse[] = [];
  let rest = text;
  for (;;) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd === -1) return responses;
    const [statusLine = '', ...lines] = rest.slice(0, headEnd).split('\r\n');
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
    const headers: Record<string, string> = {};
    for (const line of lines) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim().toLowerCase();
      const value = line.slice(colon + 1).trim();
      // A repeated field is joined as HTTP combines it, so a header sent twice shows.
      headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
    }
    const length = status < 200 ? 0 : Number(headers['content-length'] ?? 0);
    const bodyStart = headEnd + 4;
    // The text is latin1 (one char per byte), so lengths in chars are lengths in bytes.
    if (rest.length - bodyStart < length) return responses;
    const body = Buffer.from(rest.slice(bodyStart, bodyStart + length), 'latin1').toString('utf8');
    responses.push({ status, headers, body });
    rest = rest.slice(bodyStart + length);
  }
}

/** A raw TCP connection to 127.0.0.1: what a client library would hide (framing, timing, closes) stays visible. */
export interface RawConnection {
  readonly socket: Socket;
  /** Everything received so far. */
  received(): string;
  /** Resolves once the server has closed the connection (end, reset or error). */
  readonly closed: Promise<void>;
  isClosed(): boolean;
  write(data: string | Buffer): void;
  /** Resolves with the responses once `count` complete ones have arrived; rejects after `timeoutMs`. */
  responses(count: number, timeoutMs?: number): Promise<RawResponse[]>;
  destroy(): void;
}

export async function openRaw(port: number): Promise<RawConnection> {
  const socket = connect(port, '127.0.0.1');
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  let text = '';
  let isClosed = false;
  const listeners = new Set<() => void>();
  socket.setEncoding('latin1');
  socket.on('data', (chunk: string) => {
    text += chunk;
    for (const listener of listeners) listener();
  });
  const closed = new Promise<void>((resolve) => {
    const done = () => {
      isClosed = true;
      resolve();
      for (const listener of listeners) listener();
    };
    socket.once('end', done);
    socket.once('close', done);
    socket.on('error', done);
  });
  return {
    socket,
    received: () => text,
    closed,
    isClosed: () => isClosed,
    write(data) {
      if (!socket.destroyed) socket.write(data);
    },
    responses(count, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const parsed = parseResponses(text);
          if (parsed.length >= count) {
            cleanUp();
            resolve(parsed);
          } else if (isClosed) {
            cleanUp();
            reject(
              new Error(`connection closed after ${parsed.length} response(s): ${JSON.stringify(text)}`),
            );
          }
        };
        const timer = setTimeout(() => {
          cleanUp();
          reject(new Error(`no ${count} response(s) within ${timeoutMs} ms: ${JSON.stringify(text)}`));
        }, timeoutMs);
        const cleanUp = () => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        listeners.add(check);
        check();
      });
    },
    destroy: () => socket.destroy(),
  };
}

/** Resolves true once `connection` is closed by the server, false if it is still open after `timeoutMs`. */
export async function closedWithin(connection: RawConnection, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<false>((resolve) => {
    timer = setTimeout(resolve, timeoutMs, false);
  });
  try {
    return await Promise.race([connection.closed.then(() => true), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** Asserts, in one message, what every problem+json answer of node's own errors must carry. */
export function problemShape(response: RawResponse): string[] {
  const wrong: string[] = [];
  if (response.headers['content-type'] !== 'application/problem+json') wrong.push('content-type');
  if (response.headers['x-content-type-options'] !== 'nosniff') wrong.push('x-content-type-options');
  if (response.headers['cache-control'] !== 'no-store') wrong.push('cache-control');
  if (response.headers['content-security-policy'] !== "default-src 'none'") wrong.push('csp');
  if (response.headers['referrer-policy'] !== 'no-referrer') wrong.push('referrer-policy');
  if (!UUID.test(response.headers['x-request-id'] ?? '')) wrong.push('x-request-id');
  try {
    const problem = JSON.parse(response.body) as Record<string, unknown>;
    if (problem.status !== response.status || typeof problem.detail !== 'string') wrong.push('body');
  } catch {
    wrong.push('body is not JSON');
  }
  return wrong;
}
