import { createConnection, createServer, type Server, type Socket } from 'node:net';

/**
 * A TCP relay on 127.0.0.1 in front of a database that can "freeze": it then keeps every socket open
 * but moves no bytes, like a network partition (the case where only timeouts help, unlike a refused
 * connection).
 */
export interface FreezableProxy {
  readonly port: number;
  freeze(): void;
  thaw(): void;
  close(): Promise<void>;
}

// Unpipe + pause, not pause alone: a piped stream may be resumed by the pipe on 'drain'.
function relay([downstream, upstream]: [Socket, Socket]): void {
  downstream.pipe(upstream);
  upstream.pipe(downstream);
}

function hold([downstream, upstream]: [Socket, Socket]): void {
  downstream.unpipe(upstream);
  upstream.unpipe(downstream);
  downstream.pause();
  upstream.pause();
}

export async function startFreezableProxy(upstreamPort: number): Promise<FreezableProxy> {
  let frozen = false;
  const pairs = new Set<[Socket, Socket]>();
  const server: Server = createServer((downstream) => {
    const upstream = createConnection(upstreamPort, '127.0.0.1');
    const pair: [Socket, Socket] = [downstream, upstream];
    pairs.add(pair);
    const forget = () => {
      pairs.delete(pair);
      downstream.destroy();
      upstream.destroy();
    };
    downstream.on('error', forget).on('close', forget);
    upstream.on('error', forget).on('close', forget);
    if (!frozen) relay(pair);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  if (typeof address !== 'object' || address === null) throw new Error('proxy has no port');
  return {
    port: address.port,
    freeze() {
      frozen = true;
      for (const pair of pairs) hold(pair);
    },
    thaw() {
      frozen = false;
      for (const pair of pairs) relay(pair);
    },
    async close() {
      for (const [downstream, upstream] of pairs) {
        downstream.destroy();
        upstream.destroy();
      }
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
