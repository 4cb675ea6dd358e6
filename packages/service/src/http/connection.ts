import type { IncomingMessage } from 'node:http';

/**
 * Whether the request announced a body that has not been read. A response to such a request closes the
 * connection: otherwise node:http reads and discards whatever the client keeps sending (any amount) before
 * the connection's next request.
 */
export function bodyLeftUnread(req: IncomingMessage): boolean {
  if (req.complete) return false;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}
