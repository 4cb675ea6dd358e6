import { createServer } from 'node:net';

/**
 * A TCP port on `host` that nothing listens on right now (the kernel picks it). Another process can
 * take it before the caller binds it; callers that can, bind port 0 themselves instead.
 */
export function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error('no port assigned'))));
    });
  });
}
