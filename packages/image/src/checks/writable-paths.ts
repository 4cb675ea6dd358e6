import type { Engine } from '../engine.js';

// Runs inside the container as its own user: tries to write where the service might.
const PROBE = `
const fs = require('node:fs');
const result = {};
for (const dir of ['/tmp', '/app', '/app/dist', '/', '/home/node']) {
  try { fs.writeFileSync(dir + '/.write-probe', 'x'); fs.unlinkSync(dir + '/.write-probe'); result[dir] = 'ok'; }
  catch (error) { result[dir] = error.code; }
}
process.stdout.write(JSON.stringify({ uid: process.getuid(), result }));
`;

/**
 * From inside the running container, as its user: /tmp is writable, and the root filesystem
 * (the app's code included) refuses writes.
 */
export async function checkWritablePaths(engine: Engine, container: string) {
  const probe = await engine.run(['exec', container, 'node', '-e', PROBE], { timeoutMs: 30_000 });
  if (probe.code !== 0) throw new Error(`exec failed (${probe.code}): ${probe.stderr.trim()}`);
  const { uid, result } = JSON.parse(probe.stdout) as { uid: number; result: Record<string, string> };
  const problems: string[] = [];
  if (uid !== 1000) problems.push(`runs as uid ${uid}`);
  if (result['/tmp'] !== 'ok') problems.push(`/tmp is not writable (${result['/tmp']})`);
  for (const [dir, outcome] of Object.entries(result)) {
    if (dir !== '/tmp' && outcome === 'ok') problems.push(`${dir} is writable`);
  }
  if (problems.length > 0) throw new Error(problems.join('; '));
  const refused = Object.entries(result)
    .filter(([dir]) => dir !== '/tmp')
    .map(([dir, outcome]) => `${dir} ${outcome}`);
  return `uid ${uid}: /tmp writable; ${refused.join(', ')}`;
}
