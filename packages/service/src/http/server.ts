import { createServer, type RequestListener, type Server } from 'node:http';

/** How long a connection may take for what, and how many a listener holds at once. */
export interface ServerLimits {
  /** New sockets beyond this many open ones are closed at once (node:http's `maxConnections`). */
  readonly maxConnections: number;
  /** An idle keep-alive connection is closed after this. */
  readonly keepAliveTimeoutMs: number;
  /** A request's headers must have arrived this long after its first byte (or after the connection opened). */
  readonly headersTimeoutMs: number;
  /** The whole request, body included, must have arrived within this (node:http answers 408). */
  readonly requestTimeoutMs: number;
}

/**
 * The API listener. Idle keep-alive sockets outlive the AWS ALB's 60 s idle timeout, so the load balancer,
 * never the server, closes an idle connection (otherwise it may reuse a socket we just closed: a 502).
 */
export const API_LIMITS: ServerLimits = {
  maxConnections: 0,
  keepAliveTimeoutMs: 65_000,
  headersTimeoutMs: 66_000,
  requestTimeoutMs: 70_000,
};

/**
 * The management listener: the kubelet's probes (a new connection each) and a scrape or two, so a small cap;
 * separate from the API's, so probes get through while the API listener is at its cap.
 */
export const MANAGEMENT_LIMITS: ServerLimits = {
  maxConnections: 32,
  keepAliveTimeoutMs: 5_000,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
};

export function createHttpServer(listener: RequestListener, limits: ServerLimits): Server {
  const server = createServer(
    {
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      headersTimeout: limits.headersTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
    },
    listener,
  );
  if (limits.maxConnections > 0) server.maxConnections = limits.maxConnections;
  return server;
}

/** Resolves with the bound port once listening; `port` 0 lets the OS choose. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      const address = server.address();
      resolve(typeof address === 'object' && address !== null ? address.port : port);
    });
  });
}
