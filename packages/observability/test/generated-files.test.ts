import { readFile } from 'node:fs/promises';
import test from 'ava';
import { chartFiles, prometheusRuleTemplate } from '../src/chart-files.js';
import { loadSlos } from '../src/slo.js';

const fix = 'run: pnpm --filter @high-available-server/observability generate';

test("the chart's PrometheusRule template is the one generated from slo.yaml", async (t) => {
  const committed = await readFile(chartFiles.prometheusRule, 'utf8');
  t.true(committed === prometheusRuleTemplate(loadSlos()), `templates/prometheusrule.yaml is stale: ${fix}`);
});
