// Runs the helm test Pod's own script (node -e) against a stand-in for the service on 127.0.0.1,
// so the script that `helm test` runs in the cluster is known to pass and to fail when it should.
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import test from 'ava';
import { fullname, loadHelm, namespace } from './helpers/helm.js';
import { only } from './helpers/manifests.js';

const run = promisify(execFile);
const helm = await loadHelm();
const testPod = only(await helm.render(), 'Pod');

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

/** The contract's behaviour for /readyz and /hello/:username, overridable per test. */
function fakeService(overrides: Partial<Record<'readyz' | 'put' | 'get', Handler>> = {}): Handler {
  const users = new Map<string, string>();
  return (request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const user = url.pathname.startsWith('/hello/') ? url.pathname.slice('/hello/'.length) : undefined;
    if (url.pathname === '/readyz')
      return (overrides.readyz ?? ((_, res) => res.writeHead(200).end('ok')))(request, response);
    if (user && request.method === 'PUT') {
      if (overrides.put) return overrides.put(request, response);
      let body = '';
      request.on('data', (chunk) => {
        body += chunk;
      });
      request.on('end', () => {
        users.set(user, JSON.parse(body).dateOfBirth);
        response.writeHead(204).end();
      });
      return;
    }
    if (user && request.method === 'GET') {
      if (overrides.get) return overrides.get(request, response);
      if (!users.has(user)) return response.writeHead(404).end();
      response.writeHead(200, { 'content-type': 'application/json' });
      return response.end(JSON.stringify({ message: `Hello, ${user}! Your birthday is in 5 day(s)` }));
    }
    response.writeHead(404).end();
  };
}

async function runTestPodAgainst(handler: Handler): Promise<{ exitCode: number; output: string }> {
  const server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const container = testPod.spec.containers[0];
  const env = Object.fromEntries(
    container.env.map((v: { name: string; value: string }) => [v.name, v.value]),
  );
  const [node, ...args] = container.command as string[];
  try {
    const { stdout, stderr } = await run(node === 'node' ? process.execPath : (node as string), args, {
      env: { ...env, BASE_URL: `http://127.0.0.1:${port}` },
      timeout: 15_000,
    });
    return { exitCode: 0, output: stdout + stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    return { exitCode: failure.code ?? -1, output: `${failure.stdout ?? ''}${failure.stderr ?? ''}` };
  } finally {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
}

test('the test Pod is a helm test hook using the service image and the in-cluster Service URL', (t) => {
  t.is(testPod.metadata.annotations?.['helm.sh/hook'], 'test');
  const container = testPod.spec.containers[0];
  t.is(container.image, 'high-available-server:1.0.0');
  t.is(container.command[0], 'node');
  t.is(container.command[1], '-e');
  const baseUrl = container.env.find((v: { name: string }) => v.name === 'BASE_URL').value;
  t.is(baseUrl, `http://${fullname}.${namespace}.svc:80`);
  t.is(testPod.spec.restartPolicy, 'Never');
});

test('the test Pod can be switched off', async (t) => {
  t.false((await helm.render({ set: { 'tests.enabled': false } })).some((m) => m.kind === 'Pod'));
});

test('the round trip passes against a service that keeps the contract', async (t) => {
  const result = await runTestPodAgainst(fakeService());
  t.is(result.exitCode, 0, result.output);
  t.regex(result.output, /ok GET \/readyz -> 200/);
  t.regex(result.output, /ok PUT \/hello\/helmtest -> 204/);
});

test('the round trip fails when the service is not ready', async (t) => {
  const result = await runTestPodAgainst(fakeService({ readyz: (_, res) => res.writeHead(503).end() }));
  t.is(result.exitCode, 1);
  t.regex(result.output, /FAIL GET \/readyz -> 503/);
});

test('the round trip fails when the GET does not return what was PUT', async (t) => {
  const result = await runTestPodAgainst(
    fakeService({
      get: (_, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ message: 'Hello, someone else!' }));
      },
    }),
  );
  t.is(result.exitCode, 1);
  t.regex(result.output, /FAIL message/);
});
