import { brotliCompressSync, deflateSync, gzipSync } from 'node:zlib';
import test from 'ava';
import { request } from 'undici';
import { serviceForFile } from './helpers/shared-service.js';

const service = serviceForFile(test);

const BODY = Buffer.from('{"dateOfBirth":"1990-05-17"}');

async function put(path: string, encoding: string, body: Buffer) {
  const response = await request(`http://127.0.0.1:${service().port}${path}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json', 'content-encoding': encoding },
    body,
  });
  const text = await response.body.text();
  return { status: response.statusCode, type: response.headers['content-type'], text };
}

const compress: Record<string, (data: Buffer) => Buffer> = {
  gzip: gzipSync,
  deflate: deflateSync,
  br: brotliCompressSync,
};

for (const [encoding, pack] of Object.entries(compress)) {
  test(`a ${encoding} body is decoded and saved`, async (t) => {
    const reply = await put(`/hello/Gz${encoding}`, encoding, pack(BODY));
    t.is(reply.status, 204, reply.text);
  });

  test(`${encoding} bytes that are not ${encoding} data: 400 problem+json, not 500`, async (t) => {
    const reply = await put('/hello/Alice', encoding, Buffer.from('this is not compressed at all, really'));
    t.is(reply.status, 400, reply.text);
    t.is(reply.type, 'application/problem+json');
  });

  test(`a truncated ${encoding} body: 400 problem+json, not 500`, async (t) => {
    const packed = pack(Buffer.from(JSON.stringify({ dateOfBirth: '1990-05-17', pad: 'x'.repeat(4000) })));
    const reply = await put('/hello/Alice', encoding, packed.subarray(0, Math.floor(packed.length / 2)));
    t.is(reply.status, 400, reply.text);
    t.is(reply.type, 'application/problem+json');
  });

  test(`a small ${encoding} body that inflates past 16 KiB (a bomb): 413 problem+json`, async (t) => {
    const bomb = pack(Buffer.from(`{"dateOfBirth":"1990-05-17","pad":"${' '.repeat(10_000_000)}"}`));
    t.true(bomb.length < 16 * 1024, `${bomb.length} bytes on the wire`);
    const reply = await put('/hello/Alice', encoding, bomb);
    t.is(reply.status, 413, reply.text);
    t.is(reply.type, 'application/problem+json');
  });
}

test('an unknown Content-Encoding: 415 problem+json', async (t) => {
  const reply = await put('/hello/Alice', 'compress', BODY);
  t.is(reply.status, 415, reply.text);
  t.is(reply.type, 'application/problem+json');
});

test('none of it is logged as an error', async (t) => {
  await put('/hello/Alice', 'gzip', Buffer.from('not gzip'));
  const marker = await request(`http://127.0.0.1:${service().port}/readyz`, {
    headers: { 'x-request-id': 'm-1' },
  });
  await marker.body.dump();
  await service().service.waitForLog((line) => line.requestId === 'm-1');
  t.deepEqual(
    service().service.logs.filter((line) => line.level === 'error' || line.level === 'fatal'),
    [],
  );
});
