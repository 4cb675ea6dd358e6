import { createServer, type RequestListener, type Server } from 'node:http';

/**
 * Idle keep-alive sockets outlive the AWS ALB's 60 s idle timeout, so the load balancer, never the
 * server, closes an idle connection (otherwise it may reuse a socket we just closed: a 502).
 * `headersTimeout` sits above `keepAliveTimeout` as Node advises; Node requires `requestTimeout` >= it.
 */
const SERVER_TIMEOUTS = {
  keepAliveTimeout: 65_000,
  headersTimeout: 66_000,
  requestTimeout: 70_000,
} as const;

export function createHttpServer(listener: RequestListener): Server {
  return createServer({ ...SERVER_TIMEOUTS }, listener);
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
