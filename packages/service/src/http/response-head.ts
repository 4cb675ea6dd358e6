import { type IncomingMessage, ServerResponse, validateHeaderName, validateHeaderValue } from 'node:http';
import type { RequestId } from './request-id.js';
import { SECURITY_HEADERS } from './security-headers.js';

/** node:http's internal step that serialises a response head; `firstLine` is the status line with its CRLF. */
type StoreHeader = (this: ServerResponse, firstLine: string, headers: unknown) => void;

const storeHeader = (ServerResponse.prototype as unknown as { _storeHeader?: StoreHeader })._storeHeader;
// Node is pinned (/.node-version); a release without this step fails every start and every test here.
if (typeof storeHeader !== 'function') throw new Error('node:http has no ServerResponse._storeHeader');

// Headers node:http or Koa set or interpret themselves: a fixed copy would be sent twice or contradict them.
const FRAMING_HEADERS =
  /^(?:connection|content-length|content-type|date|expect|keep-alive|trailer|transfer-encoding|upgrade)$/i;

function headerLines(headers: ReadonlyArray<readonly [string, string]>): string {
  for (const [name, value] of headers) {
    if (FRAMING_HEADERS.test(name)) throw new Error(`${name} cannot be a fixed header`);
    validateHeaderName(name);
    validateHeaderValue(name, value);
  }
  return headers.map(([name, value]) => `${name}: ${value}\r\n`).join('');
}

const FIXED_LINES = headerLines(SECURITY_HEADERS);

/**
 * The servers' response class (node:http's `createServer({ ServerResponse })`): every response head carries
 * the security headers, from one string built at start-up, and the request's `X-Request-Id` once
 * `stampRequestId` has set it. Set with `setHeader` on each response, these five headers cost about a sixth
 * of a request's CPU (each is validated, lower-cased, interned and added to the response's header
 * dictionary, which then outgrows its first capacity; callgrind, memory store: the four security headers
 * 225k -> 190k instructions per GET, the request id 227k -> 215k per PUT). They go in right after the
 * status line through node:http's `_storeHeader`, the step every response head (`writeHead`, implicit or
 * explicit) passes through, so nothing the servers answer can miss them. Nothing else may set them.
 */
export class ServiceResponse<
  Request extends IncomingMessage = IncomingMessage,
> extends ServerResponse<Request> {
  /** Written into the head as `X-Request-Id`; a `RequestId` is checked to be safe in a header. */
  requestId: RequestId | undefined = undefined;
}

Object.defineProperty(ServiceResponse.prototype, '_storeHeader', {
  value: function _storeHeader(this: ServiceResponse, firstLine: string, fields: unknown): void {
    const id = this.requestId;
    const head =
      id === undefined ? firstLine + FIXED_LINES : `${firstLine}${FIXED_LINES}X-Request-Id: ${id}\r\n`;
    storeHeader.call(this, head, fields);
  },
  writable: true,
  configurable: true,
});

/** Puts `id` in the response's head as `X-Request-Id` (through `ServiceResponse`, or `setHeader` elsewhere). */
export function stampRequestId(res: ServerResponse, id: RequestId): void {
  if (res instanceof ServiceResponse) res.requestId = id;
  else res.setHeader('X-Request-Id', id);
}
