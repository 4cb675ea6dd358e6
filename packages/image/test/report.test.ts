import test from 'ava';
import { Report } from '../src/report.js';

test('one PASS/FAIL line per check and a closing count line', async (t) => {
  const lines: string[] = [];
  const report = new Report((line) => lines.push(line));
  await report.check('works', async () => 'fine');
  await report.check('breaks', async () => {
    throw new Error('because');
  });
  report.skipped('depends', 'breaks failed');
  t.regex(lines[0] ?? '', /^PASS works \(\d+\.\d s\): fine$/);
  t.regex(lines[1] ?? '', /^FAIL breaks \(\d+\.\d s\): because$/);
  t.is(lines[2], 'FAIL depends: not run: breaks failed');
  t.is(report.summary(), '1 passed, 2 failed');
  t.is(report.failed, 2);
});
