import { randomUUID } from 'node:crypto';
import { type IncomingMessage, type RequestListener, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { PROBLEM_CONTENT_TYPE, problemBody } from './problem.js';
import { SECURITY_HEADERS } from './security-headers.js';

/**
 * The headers of a problem+json answer that closes the connection, built once (but for the request id). The
 * security headers are in every ServerResponse's head (`ServiceResponse`), and written here for a
 * raw socket.
 */
function closingProblemHeaders(body: string, raw: boolean): [string, string][] {
  return [
    ['Content-Type', PROBLEM_CONTENT_TYPE],
    ['Content-Length', String(Buffer.byteLength(body))],
    ...(raw ? SECURITY_HEADERS.map(([name, value]): [string, string] => [name, value]) : []),
    ['Connection', 'close'],
  ];
}

/** A raw HTTP/1.1 problem+json response, for a socket without a usable ServerResponse; prebuilt but for its id. */
function rawProblem(status: number, detail: string): (requestId: string) => string {
  const body = problemBody(status, detail);
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    ...closingProblemHeaders(body, true).map(([name, value]) => `${name}: ${value}`),
  ].join('\r\n');
  return (requestId) => `${head}\r\nX-Request-Id: ${requestId}\r\n\r\n${body}`;
}

/** Answers a problem+json through `res` and closes the connection (the request body, if any, is never read). */
function problemAnswer(status: number, detail: string): (res: ServerResponse) => void {
  const body = problemBody(status, detail);
  const headers = Object.fromEntries(closingProblemHeaders(body, false));
  return (res) => {
    res.setHeader('X-Request-Id', randomUUID());
    res.writeHead(status, headers).end(body);
  };
}

// node:http's own answers, as problem+json: what it would have sent, for the same errors.
const HEADERS_TOO_LARGE = rawProblem(431, 'the request headers are too large');
const CHUNK_EXTENSIONS_TOO_LARGE = rawProblem(413, 'the chunk extensions of the request body are too large');
const REQUEST_TIMEOUT = rawProblem(408, 'the request did not arrive in time');
const BAD_REQUEST = rawProblem(400, 'the request is not valid HTTP/1.1');

function answerFor(code: string | undefined): (requestId: string) => string {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      return HEADERS_TOO_LARGE;
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return CHUNK_EXTENSIONS_TOO_LARGE;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return REQUEST_TIMEOUT;
    default:
      return BAD_REQUEST;
  }
}

/** A client that went away: nothing to answer, nothing wrong with the server. */
const DISCONNECTS = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT']);

/** Whether `error` only says the client went away mid-request (a reset, a premature close): not a server error. */
export function isClientDisconnect(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    (typeof code === 'string' && (DISCONNECTS.has(code) || code === 'ERR_STREAM_PREMATURE_CLOSE')) ||
    (error instanceof Error && error.message === 'aborted')
  );
}

/**
 * A metrics label for a client error: llhttp's `HPE_*` codes (a fixed set), node:http's request timeout,
 * disconnects, or `other` (labels stay bounded whatever a client sends).
 */
export function clientErrorCode(code: unknown): string {
  if (typeof code !== 'string') return 'other';
  if (/^HPE_[A-Z_]{1,40}$/.test(code) || code === 'ERR_HTTP_REQUEST_TIMEOUT' || DISCONNECTS.has(code))
    return code;
  return 'other';
}

/**
 * node:http's `clientError` handler: bad framing, a request timeout, headers or chunk extensions too large.
 * Answered like every other error, problem+json with the security headers and an `X-Request-Id` (node's own
 * answers are bare text), and the connection closed. The error itself carries up to 64 KiB of the raw
 * request (`rawPacket`, credentials included): `report` gets its code only.
 */
export function answerClientErrors(
  report: (code: string) => void,
): (error: Error & { code?: unknown }, socket: Duplex) => void {
  return (error, socket) => {
    const code = clientErrorCode(error.code);
    report(code);
    const response = (socket as { _httpMessage?: ServerResponse | null })._httpMessage;
    if (DISCONNECTS.has(code) || !socket.writable || response?.headersSent) {
      socket.destroy();
      return;
    }
    socket.end(answerFor(code)(randomUUID()), () => socket.destroy());
  };
}

const HOST_MISSING = problemAnswer(400, 'an HTTP/1.1 request must have a Host header');
const EXPECTATION_FAILED = problemAnswer(417, 'the only expectation this server meets is 100-continue');

/**
 * In front of a listener: an HTTP/1.1 request without `Host` is 400 problem+json (RFC 9112 §3.2; node:http
 * checks it too, with a bare 400, so the server runs with `requireHostHeader: false` and this answers).
 */
export function requireHost(listener: RequestListener): RequestListener {
  return function requireHost(req: IncomingMessage, res: ServerResponse) {
    if (req.headers.host === undefined && req.httpVersionMajor === 1 && req.httpVersionMinor === 1) {
      HOST_MISSING(res);
      return;
    }
    listener(req, res);
  };
}

/** node:http's `checkExpectation` handler: an `Expect` other than 100-continue is 417 problem+json (node's is bare). */
export function refuseExpectation(_req: IncomingMessage, res: ServerResponse): void {
  EXPECTATION_FAILED(res);
}
