// Child-process entry: runs one stack under mocks (config from Pulumi.<stack>.yaml plus optional
// JSON overrides) and writes its registrations as JSON to the given file.
import { writeFileSync } from 'node:fs';
import { runStack } from './run-stack.js';

const [stack, outFile, overrides = '{}'] = process.argv.slice(2);
if ((stack !== 'dev' && stack !== 'prod' && stack !== 'minikube') || !outFile) {
  console.error('usage: dump-stack.ts dev|prod|minikube <out.json> [overrides-json]');
  process.exit(2);
}

/** Drops cycles so the result is JSON. */
function jsonSafe(value: unknown, seen = new WeakSet<object>()): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (seen.has(value)) return '[cycle]';
  seen.add(value);
  if (Array.isArray(value)) return value.map((item) => jsonSafe(item, seen));
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, jsonSafe(item, seen)]));
}

const run = await runStack(stack, JSON.parse(overrides) as Record<string, string>);
writeFileSync(outFile, JSON.stringify(jsonSafe(run)));
