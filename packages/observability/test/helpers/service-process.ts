import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

/** The built service's entry point, resolved through the workspace package (its `main`). */
function serviceMain(): string {
  try {
    return fileURLToPath(import.meta.resolve('@high-available-server/service'));
  } catch (error) {
    throw new Error(
      `the service is not built: run pnpm --filter @high-available-server/service build (pnpm test does it). ${error}`,
    );
  }
}

/** A TCP port nothing listens on right now, on loopback. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

export interface RunningService {
  readonly baseUrl: string;
  /** Where /metrics answers: the management listener when the service has one, else the API listener. */
  readonly metricsUrl: string;
  /** The text of /metrics. */
  scrape(): Promise<string>;
  stop(): Promise<void>;
}

async function waitReady(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the service exited (${child.exitCode}):\n${output()}`);
    const ready = await fetch(url).then(
      (response) => response.ok,
      () => false,
    );
    if (ready) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the service was not ready within 20 s:\n${output()}`);
}

/** Starts the built service on loopback with the in-memory store. */
export async function startService(): Promise<RunningService> {
  const [port, managementPort] = [await freePort(), await freePort()];
  let output = '';
  const child = spawn(process.execPath, [serviceMain()], {
    env: {
      ...process.env,
      STORE: 'memory',
      HOST: '127.0.0.1',
      PORT: String(port),
      MANAGEMENT_PORT: String(managementPort),
      LOG_LEVEL: 'warn',
      SHUTDOWN_DELAY_MS: '0',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  try {
    await waitReady(`${baseUrl}/readyz`, child, () => output);
  } catch (error) {
    child.kill('SIGKILL');
    throw error;
  }
  let metricsUrl: string | undefined;
  for (const url of [`http://127.0.0.1:${managementPort}/metrics`, `${baseUrl}/metrics`]) {
    const response = await fetch(url).catch(() => undefined);
    await response?.arrayBuffer();
    if (response?.ok) {
      metricsUrl = url;
      break;
    }
  }
  if (metricsUrl === undefined) {
    child.kill('SIGKILL');
    throw new Error(`no /metrics on the management (${managementPort}) nor the API port (${port})`);
  }
  const found = metricsUrl;
  return {
    baseUrl,
    metricsUrl: found,
    async scrape() {
      return (await fetch(found)).text();
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const exited = once(child, 'exit');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Series names of a Prometheus text exposition (histograms as their _bucket, _sum and _count series). */
export function exposedSeriesNames(exposition: string): Set<string> {
  const names = new Set<string>();
  for (const line of exposition.split('\n')) {
    if (line.length === 0 || line.startsWith('#')) continue;
    const name = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(line)?.[0];
    if (name) names.add(name);
  }
  return names;
}
