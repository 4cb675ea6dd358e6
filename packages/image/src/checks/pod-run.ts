import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { assertJsonLogLines, containerLogs, containerState } from '../container.js';
import { apiRoundTrip, waitForStatus } from '../http.js';
import {
  createKubeSecret,
  type KubeObject,
  playManifests,
  preStopSleepSeconds,
  serverContainer,
  terminationGraceSeconds,
} from '../kube-play.js';
import { type Context, chartEnv, parseMemory, SECRET_NAME, USERNAME } from '../run-context.js';
import { checkGracefulStop } from './graceful-stop.js';
import { checkHardening } from './hardening.js';
import { playAndTrack, waitForSuccess, writeHelmTestPod } from './pod.js';
import { checkWritablePaths } from './writable-paths.js';

/** kube play (podman 4.3) ignores these; listed in every run so nobody reads them as verified. */
export const NOT_HONOURED_BY_KUBE_PLAY = [
  'hostNetwork: true is added to each played pod, and its containerPort list removed (podman 4.3 maps every containerPort to a host port, which host networking refuses); the chart renders with containerPort = a free port and replicaCount 1',
  'lifecycle.preStop (native sleep): not run; the SIGTERM check sends SIGTERM with the grace left after it',
  'startupProbe, readinessProbe: ignored; livenessProbe becomes a podman healthcheck that needs systemd timers (none here) and calls curl (not in the image), so it never runs',
  'terminationGracePeriodSeconds: ignored (podman stop timeout is 10 s); the check passes the grace to `pod stop -t`',
  'pod-level securityContext (runAsNonRoot, fsGroup, seccompProfile RuntimeDefault): ignored; the container-level one is applied',
  'emptyDir medium: Memory + sizeLimit: an anonymous disk volume instead of a size-capped tmpfs',
  'replicas, rolling update, minReadySeconds, topologySpreadConstraints, PodDisruptionBudget, Service, ServiceAccount, HPA: no cluster, not played',
  'Job kind: the migration Job is played as a Pod of its template; helm hook ordering is reproduced by running it first',
];

/** The chart's pods under `podman kube play`: migration Job, Deployment, helm test Pod. */
export async function runPodChecks(ctx: Context, podPort: number) {
  const { engine, report, cleanup, rendered, postgres, runDir } = ctx;
  const baseUrl = `http://127.0.0.1:${podPort}`;
  const secretFile = await createKubeSecret(engine, runDir, SECRET_NAME, { DATABASE_URL: postgres.url });
  cleanup.add(`secret ${SECRET_NAME}`, async () => {
    await engine.run(['secret', 'rm', SECRET_NAME], { timeoutMs: 30_000 });
    await rm(secretFile, { force: true });
  });
  const manifests = playManifests(rendered);

  if (manifests.migration) {
    const migration = manifests.migration;
    await report.check("pod: the chart's migration Job (pod template, kube play) exits 0", async () => {
      const file = join(runDir, 'migration-pod.yaml');
      await writeFile(file, migration.yaml);
      const pod = await playAndTrack(engine, cleanup, file);
      const [job] = pod.containers;
      const logs = await waitForSuccess(engine, job?.Name ?? '', 120_000);
      return `"${String(assertJsonLogLines(logs.stdout).at(-1)?.msg)}"`;
    });
  } else {
    report.skipped("pod: the chart's migration Job exits 0", 'the chart rendered no migration Job');
  }

  const file = join(runDir, 'server-pod.yaml');
  await writeFile(file, manifests.server);
  let serverName = '';
  let podId = '';
  const ready = await report.check(
    "pod: the chart's Deployment (ConfigMap + Secret) plays and becomes ready (/readyz 200)",
    async () => {
      const pod = await playAndTrack(engine, cleanup, file);
      podId = pod.podId;
      serverName = pod.containers[0]?.Name ?? '';
      const t0 = Date.now();
      await waitForStatus(
        `${baseUrl}/readyz`,
        200,
        60_000,
        async () => (await containerState(engine, serverName))?.running ?? false,
      );
      return `pod ${podId.slice(0, 12)}, container ${serverName}, ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`;
    },
  );
  if (!ready) {
    if (serverName) {
      const logs = await containerLogs(engine, serverName);
      ctx.log(`pod logs:\n${[...logs.stdout, ...logs.stderr].slice(-20).join('\n')}`);
    }
    for (const name of [
      'pod: hardening',
      'pod: writable paths',
      'pod: API round trip',
      'pod: helm test pod',
      'pod: SIGTERM',
    ]) {
      report.skipped(name, 'the pod never became ready');
    }
    return;
  }
  const container = serverContainer(rendered);
  const memory = parseMemory(container.resources?.limits?.memory);
  await report.check(
    'pod: container securityContext applied (inspected: uid 1000, read-only root, no capabilities, no-new-privileges, memory limit, DATABASE_URL from the Secret)',
    () =>
      checkHardening(engine, serverName, {
        ...(memory ? { memoryBytes: memory } : {}),
        env: { ...chartEnv(rendered), DATABASE_URL: postgres.url },
      }),
  );
  await report.check('pod: only /tmp (the emptyDir) is writable (probed from inside, as its user)', () =>
    checkWritablePaths(engine, serverName),
  );
  await report.check('pod: API round trip (PUT 204, GET greeting)', () =>
    apiRoundTrip(baseUrl, `${USERNAME}pod`),
  );

  const testPod = rendered.objects.find(
    (object: KubeObject) =>
      object.kind === 'Pod' && object.metadata?.annotations?.['helm.sh/hook'] === 'test',
  );
  if (testPod) {
    await report.check(
      "pod: the chart's `helm test` Pod passes against it (BASE_URL → 127.0.0.1, no Service DNS here)",
      async () => {
        const testFile = await writeHelmTestPod(testPod, baseUrl, join(runDir, 'helm-test-pod.yaml'));
        const played = await playAndTrack(engine, cleanup, testFile);
        const logs = await waitForSuccess(engine, played.containers[0]?.Name ?? '', 120_000);
        return logs.stdout.join('; ');
      },
    );
  } else {
    report.skipped('pod: helm test Pod passes', 'the chart rendered no helm test Pod');
  }
  const grace = terminationGraceSeconds(rendered) - preStopSleepSeconds(rendered);
  await report.check(`pod: \`pod stop -t ${grace}\` → readyz 503, still serving, exit 0 in time`, () =>
    checkGracefulStop({
      engine,
      stopArgs: ['pod', 'stop', '-t', String(grace), podId],
      container: serverName,
      baseUrl,
      username: `${USERNAME}pod`,
      graceSeconds: grace,
      delayMs: Number(chartEnv(rendered).SHUTDOWN_DELAY_MS ?? 0),
    }),
  );
  await report.check('pod: logs are JSON lines on stdout', async () => {
    const logs = await containerLogs(engine, serverName);
    return `${assertJsonLogLines(logs.stdout).length} JSON lines`;
  });
}
