import { type IncomingMessage, ServerResponse, validateHeaderName, validateHeaderValue } from 'node:http';

/** Sent on every response, errors included. The API serves JSON only, so nothing may be framed, cached or sniffed. */
export const SECURITY_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['X-Content-Type-Options', 'nosniff'],
  ['Cache-Control', 'no-store'],
  ['Content-Security-Policy', "default-src 'none'"],
  ['Referrer-Policy', 'no-referrer'],
];

// Headers node:http or Koa set or interpret themselves: a fixed copy would be sent twice or contradict them.
const FRAMING_HEADERS =
  /^(?:connection|content-length|content-type|date|expect|keep-alive|trailer|transfer-encoding|upgrade)$/i;

/** node:http's internal step that serialises a response head; `firstLine` is the status line with its CRLF. */
type StoreHeader = (this: ServerResponse, firstLine: string, headers: unknown) => void;

/**
 * A `ServerResponse` class (node:http's `createServer({ ServerResponse })`) whose every response head carries
 * `headers`, from one string built here. Set with `setHeader` on each response, these four headers cost
 * about a sixth of a request's CPU (measured with callgrind: each one is validated, lower-cased, interned
 * and added to the response's header dictionary, which then outgrows its first capacity). The string goes
 * right after the status line through node:http's `_storeHeader`, the step every response head (`writeHead`,
 * implicit or explicit) passes through, so nothing can answer without them. Only headers node:http gives no
 * meaning to belong here (not Connection, Content-Length, Transfer-Encoding, Date, ...), and nothing else
 * may set them.
 */
export function responseWithHeaders(
  headers: ReadonlyArray<readonly [string, string]>,
): typeof ServerResponse {
  for (const [name, value] of headers) {
    if (FRAMING_HEADERS.test(name)) throw new Error(`${name} cannot be a fixed header`);
    validateHeaderName(name);
    validateHeaderValue(name, value);
  }
  const storeHeader = (ServerResponse.prototype as unknown as { _storeHeader?: StoreHeader })._storeHeader;
  // Node is pinned (/.node-version); a release without this step fails every start and every test here.
  if (typeof storeHeader !== 'function') throw new Error('node:http has no ServerResponse._storeHeader');
  const block = headers.map(([name, value]) => `${name}: ${value}\r\n`).join('');
  const ResponseWithHeaders = class<
    Request extends IncomingMessage = IncomingMessage,
  > extends ServerResponse<Request> {};
  Object.defineProperty(ResponseWithHeaders.prototype, '_storeHeader', {
    value: function _storeHeader(this: ServerResponse, firstLine: string, fields: unknown) {
      storeHeader.call(this, firstLine + block, fields);
    },
    writable: true,
    configurable: true,
  });
  return ResponseWithHeaders;
}
