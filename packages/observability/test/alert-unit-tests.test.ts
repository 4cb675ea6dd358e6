import { copyFile, readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import test from 'ava';
import { parse } from 'yaml';
import { ALERTS, type AlertingRule, type RuleGroup } from '../src/rules.js';
import { promtool, renderedGroups, writeRuleFile } from './helpers/rendered-rules.js';

// One promtool unit-test file per alert, test/promtool/<alert>.yaml, run against the rules the chart renders.
const unitTestDir = new URL('./promtool/', import.meta.url);
const unitTestFiles = (await readdir(unitTestDir)).filter((file) => file.endsWith('.yaml')).sort();

interface UnitTestFile {
  tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
}

async function runUnitTests(groups: readonly RuleGroup[], file: string) {
  const rules = await writeRuleFile(groups);
  const dir = path.dirname(rules);
  await copyFile(new URL(file, unitTestDir), path.join(dir, file));
  return promtool(['test', 'rules', file], dir);
}

for (const file of unitTestFiles) {
  test(`promtool test rules: ${path.basename(file, '.yaml')}`, async (t) => {
    const result = await runUnitTests(await renderedGroups(), file);
    t.true(result.ok, result.output);
    t.regex(result.output, /SUCCESS/);
  });
}

test('every alert fires in a unit test and stays quiet in another', async (t) => {
  for (const alert of Object.values(ALERTS)) {
    const file = `${alert}.yaml`;
    t.true(unitTestFiles.includes(file), `test/promtool/${file} is missing`);
    if (!unitTestFiles.includes(file)) continue;
    const unitTests = parse(await readFile(new URL(file, unitTestDir), 'utf8')) as UnitTestFile;
    const checks = unitTests.tests.flatMap((unitTest) => unitTest.alert_rule_test ?? []);
    t.true(
      checks.some((check) => check.alertname === alert && (check.exp_alerts ?? []).length > 0),
      `${alert} never fires`,
    );
    t.true(
      checks.some((check) => check.alertname === alert && (check.exp_alerts ?? []).length === 0),
      `${alert} is never shown quiet`,
    );
    t.true(
      checks.every((check) => check.alertname === alert),
      `${file} checks another alert`,
    );
  }
});

test('the unit tests fail when an alert is too eager (they can fail)', async (t) => {
  // The store alert with no `for`: the one-minute blip of the quiet case then fires it.
  const groups = structuredClone(await renderedGroups()) as RuleGroup[];
  for (const group of groups)
    for (const rule of group.rules as AlertingRule[])
      if (rule.alert === ALERTS.storeDown) delete (rule as { for?: string }).for;
  const result = await runUnitTests(groups, `${ALERTS.storeDown}.yaml`);
  t.false(result.ok);
  t.regex(result.output, /FAILED/);
});
