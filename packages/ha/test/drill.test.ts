import test from 'ava';
import { type DrillSession, openDrillSession } from '../src/drill-session.js';
import { CI_CREDENTIAL_LAG_SECONDS, CI_TIME_SCALE } from '../src/drill-timings.js';
import { renderScenario } from '../src/report.js';
import { scenarios } from '../src/scenarios/index.js';

// The HA drill: real PostgreSQL, three replicas of the built service, HAProxy in front, Prometheus
// scraping them. One test per scenario; each fails with the violated verdicts and the scenario's table
// (and its SLIs as the client and Prometheus saw them) in its log. The picture goes to the log directory.
// Production's timings x CI_TIME_SCALE (0.05: the rolling restart's 2-minute ALB lag takes 6 s) and a short
// credential lag; `pnpm test:ha -- --time-scale 1` runs them as in production (docs/ha.md).
let session: DrillSession | undefined;

let setupError = '';

test.before(async () => {
  try {
    session = await openDrillSession(
      { timeScale: CI_TIME_SCALE, credentialLagSeconds: CI_CREDENTIAL_LAG_SECONDS },
      (line) => console.log(line),
    );
  } catch (error) {
    // Every scenario then fails with this reason instead of the suite dying in a hook.
    setupError = error instanceof Error ? error.message : String(error);
  }
});

test.after.always(async () => {
  if (session && session.runs.length > 0) console.log(`drill picture: ${await session.writePicture()}`);
  await session?.close();
});

for (const scenario of scenarios) {
  test.serial(scenario.title, async (t) => {
    if (!session) {
      t.fail(`the drill's cluster could not start: ${setupError}`);
      return;
    }
    t.timeout(150_000);
    const { report } = await session.run(scenario);
    t.log(`\n${renderScenario(report)}`);
    const violated = report.verdicts.filter((verdict) => !verdict.ok).map((v) => `${v.name}: ${v.detail}`);
    t.deepEqual(violated, [], `logs of the replicas, HAProxy and PostgreSQL: ${session.cluster.workDir}`);
  });
}
