import { spawn } from 'node:child_process';
import test from 'ava';
import {
  exitOf,
  hasCommand,
  mustRun,
  onLines,
  runCommand,
  stopProcess,
  tail,
  waitUntil,
} from '../src/process.js';

test('runCommand returns the output and the exit code, even a non-zero one', async (t) => {
  const result = await runCommand('sh', ['-c', 'echo out; echo err >&2; exit 3']);
  t.is(result.code, 3);
  t.is(result.stdout, 'out\n');
  t.is(result.stderr, 'err\n');
  t.false(result.timedOut);
});

test('runCommand feeds input and kills a command that outlives its timeout', async (t) => {
  t.is((await runCommand('cat', [], { input: 'hello' })).stdout, 'hello');
  const slow = await runCommand('sleep', ['10'], { timeoutMs: 200 });
  t.true(slow.timedOut);
  t.is(slow.signal, 'SIGKILL');
});

test('a command that cannot start rejects with its name, never an uncaught error', async (t) => {
  await t.throwsAsync(runCommand('/nonexistent/tool', []), { message: /cannot start \/nonexistent\/tool/ });
});

test('mustRun throws with the tail of the output when the command fails', async (t) => {
  await t.throwsAsync(mustRun('sh', ['-c', 'echo first; echo last >&2; exit 1']), {
    message: /exited 1\nlast/,
  });
  t.is(tail('a\nb\nc\n', 2), 'b\nc');
});

test('hasCommand tells what is on PATH', async (t) => {
  t.true(await hasCommand('sh'));
  t.false(await hasCommand('no-such-command-here'));
});

test('stopProcess escalates to SIGKILL when the signal is ignored', async (t) => {
  const child = spawn('sh', ['-c', 'trap "" TERM; sleep 10 & wait'], { stdio: 'ignore' });
  await new Promise((resolve) => setTimeout(resolve, 100));
  const exit = await stopProcess(child, 'SIGTERM', 300);
  t.is(exit.signal, 'SIGKILL');
  t.is((await exitOf(child)).signal, 'SIGKILL');
});

test('onLines splits a stream into whole lines, the last unterminated one included', async (t) => {
  const child = spawn('sh', ['-c', 'printf "one\\ntw"; sleep 0.05; printf "o\\nthree"'], {
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const lines: string[] = [];
  onLines(child.stdout, (line) => lines.push(line));
  await exitOf(child);
  await waitUntil(() => lines.length === 3, { timeoutMs: 1000, message: 'lines' });
  t.deepEqual(lines, ['one', 'two', 'three']);
});

test('waitUntil gives up with its message after the timeout', async (t) => {
  await t.throwsAsync(
    waitUntil(() => false, { timeoutMs: 100, message: 'never true' }),
    {
      message: /never true \(waited 100 ms\)/,
    },
  );
});
