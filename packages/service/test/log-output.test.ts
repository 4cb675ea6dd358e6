import { Writable } from 'node:stream';
import test from 'ava';
import { batchedOutput, createLogger } from '../src/logger.js';

/** A stream that takes writes but, while `stalled`, reports them as still queued (like a full pipe). */
function pipeLike() {
  const written: string[] = [];
  let queued = 0;
  const stream = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      written.push(chunk.toString());
      callback();
    },
  });
  Object.defineProperty(stream, 'writableLength', { get: () => queued });
  return {
    stream,
    written,
    stall(bytes: number) {
      queued = bytes;
    },
  };
}

test('lines are written in batches, and a lone line within maxDelayMs', async (t) => {
  const pipe = pipeLike();
  const output = batchedOutput({ stream: pipe.stream, batchChars: 100, maxDelayMs: 50 });
  output.write(`${'a'.repeat(60)}\n`);
  t.deepEqual(pipe.written, [], 'held for the batch');
  output.write(`${'b'.repeat(60)}\n`);
  t.is(pipe.written.length, 1, 'a full batch goes at once');
  output.write('lone\n');
  await new Promise((resolve) => setTimeout(resolve, 120));
  t.is(pipe.written.at(-1), 'lone\n');
});

test('while the reader is stalled, batches past maxPendingBytes are dropped and counted, then reported once', (t) => {
  const pipe = pipeLike();
  const reports: number[] = [];
  const output = batchedOutput({
    stream: pipe.stream,
    batchChars: 10,
    maxPendingBytes: 1000,
    onDropsEnded: (dropped) => reports.push(dropped),
  });
  pipe.stall(5000);
  for (let i = 0; i < 30; i++) output.write('0123456789\n');
  t.is(output.droppedLines, 30);
  t.is(pipe.written.length, 0, 'nothing queued behind a stalled reader');
  pipe.stall(0);
  output.write('0123456789\n');
  t.is(pipe.written.length, 1);
  t.deepEqual(reports, [30]);
  output.write('0123456789\n');
  t.deepEqual(reports, [30], 'reported once');
});

test('the err serializer never logs raw request bytes (node puts up to 64 KiB of them on parser errors)', (t) => {
  const pipe = pipeLike();
  const output = batchedOutput({ stream: pipe.stream, batchChars: 1 });
  const logger = createLogger('info', output);
  const error = Object.assign(new Error('Parse Error: Invalid character in chunk size'), {
    code: 'HPE_INVALID_CHUNK_SIZE',
    rawPacket: Buffer.from('PUT / HTTP/1.1\r\nAuthorization: Bearer SECRET\r\n\r\n'),
    bytesParsed: 42,
  });
  logger.error({ err: error }, 'failed');
  const line = JSON.parse(pipe.written.join('')) as { err: Record<string, unknown> };
  t.is(line.err.code, 'HPE_INVALID_CHUNK_SIZE');
  t.is(line.err.message, 'Parse Error: Invalid character in chunk size');
  t.false('rawPacket' in line.err);
  t.false(pipe.written.join('').includes('SECRET'));
});
