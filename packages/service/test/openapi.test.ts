import { Ajv2020 } from 'ajv/dist/2020.js';
import formats from 'ajv-formats';
import test from 'ava';
import { createMemoryRepository } from '../src/store/memory.js';
import { StoreUnavailableError } from '../src/store/repository.js';
import { putBirthday, type Reply, send, startTestApp, type TestApp } from './helpers/http-app.js';

interface MediaType {
  schema: { $ref?: string } & Record<string, unknown>;
}
interface ResponseObject {
  headers?: Record<string, { schema: Record<string, unknown> }>;
  content?: Record<string, MediaType>;
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, { responses: Record<string, ResponseObject> } | unknown>>;
}

interface Exchange {
  method: string;
  template: string;
  call: (apps: { healthy: TestApp; down: TestApp; draining: TestApp }) => Promise<Reply>;
  status: number;
}

const json = { 'content-type': 'application/json' };
const exchanges: Exchange[] = [
  {
    method: 'put',
    template: '/hello/{username}',
    status: 204,
    call: ({ healthy }) => putBirthday(healthy, 'Zo%C3%AB', '2000-02-29'),
  },
  {
    method: 'put',
    template: '/hello/{username}',
    status: 400,
    call: ({ healthy }) => putBirthday(healthy, 'Al1ce', '2000-02-29'),
  },
  {
    method: 'put',
    template: '/hello/{username}',
    status: 413,
    call: ({ healthy }) => send(healthy, 'PUT', '/hello/Alice', { headers: json, body: ' '.repeat(17_000) }),
  },
  {
    method: 'put',
    template: '/hello/{username}',
    status: 415,
    call: ({ healthy }) => send(healthy, 'PUT', '/hello/Alice', { body: '{"dateOfBirth":"2000-02-29"}' }),
  },
  {
    method: 'put',
    template: '/hello/{username}',
    status: 503,
    call: ({ down }) => putBirthday(down, 'Alice', '2000-02-29'),
  },
  {
    method: 'get',
    template: '/hello/{username}',
    status: 200,
    call: ({ healthy }) => send(healthy, 'GET', '/hello/Zo%C3%AB'),
  },
  {
    method: 'get',
    template: '/hello/{username}',
    status: 400,
    call: ({ healthy }) => send(healthy, 'GET', '/hello/%ZZ'),
  },
  {
    method: 'get',
    template: '/hello/{username}',
    status: 404,
    call: ({ healthy }) => send(healthy, 'GET', '/hello/Nobody'),
  },
  {
    method: 'get',
    template: '/hello/{username}',
    status: 503,
    call: ({ down }) => send(down, 'GET', '/hello/Alice'),
  },
  { method: 'get', template: '/readyz', status: 200, call: ({ healthy }) => send(healthy, 'GET', '/readyz') },
  { method: 'get', template: '/readyz', status: 200, call: ({ down }) => send(down, 'GET', '/readyz') },
  {
    method: 'get',
    template: '/readyz',
    status: 503,
    call: ({ draining }) => send(draining, 'GET', '/readyz'),
  },
  {
    method: 'get',
    template: '/openapi.json',
    status: 200,
    call: ({ healthy }) => send(healthy, 'GET', '/openapi.json'),
  },
];

function mediaTypeOf(reply: Reply): string {
  return (
    String(reply.headers['content-type'] ?? '')
      .split(';')[0]
      ?.trim() ?? ''
  );
}

test('every documented response of every operation matches what the service answers', async (t) => {
  const healthy = await startTestApp();
  const storeDown = async () => {
    throw new StoreUnavailableError('down');
  };
  const down = await startTestApp({
    repository: { ...createMemoryRepository(), save: storeDown, findDateOfBirth: storeDown, ping: storeDown },
  });
  const draining = await startTestApp();
  draining.drainState.draining = true;
  t.teardown(async () => {
    await healthy.close();
    await down.close();
    await draining.close();
  });

  const documentReply = await send(healthy, 'GET', '/openapi.json');
  t.is(documentReply.status, 200);
  const document = documentReply.json() as Document;
  t.is(document.openapi, '3.1.0');

  const ajv = new Ajv2020({ strict: false, allErrors: true });
  formats.default(ajv);
  ajv.addSchema({ ...document, $id: 'openapi.json' });

  const documented = new Set<string>();
  for (const [template, item] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      if (method === 'parameters') continue;
      for (const status of Object.keys((operation as { responses: object }).responses)) {
        documented.add(`${method} ${template} ${status}`);
      }
    }
  }
  const exercised = new Set(
    exchanges.map(({ method, template, status }) => `${method} ${template} ${status}`),
  );
  t.deepEqual(
    [...documented].sort(),
    [...exercised].sort(),
    'every documented response is exercised, and only those',
  );

  for (const exchange of exchanges) {
    const label = `${exchange.method.toUpperCase()} ${exchange.template} → ${exchange.status}`;
    const reply = await exchange.call({ healthy, down, draining });
    t.is(reply.status, exchange.status, `${label}: ${reply.text}`);
    const operation = document.paths[exchange.template]?.[exchange.method] as {
      responses: Record<string, ResponseObject>;
    };
    const documentedResponse = operation.responses[String(exchange.status)];
    if (documentedResponse === undefined) {
      t.fail(`${label} is not documented`);
      continue;
    }
    for (const [name, header] of Object.entries(documentedResponse.headers ?? {})) {
      const value = reply.headers[name.toLowerCase()];
      t.not(value, undefined, `${label}: header ${name}`);
      t.true(ajv.validate(header.schema, value), `${label}: header ${name}: ${ajv.errorsText()}`);
    }
    if (documentedResponse.content === undefined) {
      t.is(reply.text, '', `${label}: no body`);
      continue;
    }
    const mediaType = documentedResponse.content[mediaTypeOf(reply)];
    if (mediaType === undefined) {
      t.fail(`${label}: Content-Type ${mediaTypeOf(reply)} not documented`);
      continue;
    }
    const body = mediaTypeOf(reply).endsWith('json') ? reply.json() : reply.text;
    const validate =
      mediaType.schema.$ref === undefined
        ? ajv.compile(mediaType.schema)
        : ajv.getSchema(`openapi.json${mediaType.schema.$ref}`);
    if (validate === undefined) {
      t.fail(`${label}: schema ${mediaType.schema.$ref} not found`);
      continue;
    }
    t.true(validate(body), `${label}: ${ajv.errorsText(validate.errors)}`);
  }
});

test('the request body schema accepts what the service accepts', async (t) => {
  const app = await startTestApp();
  t.teardown(app.close);
  const document = (await send(app, 'GET', '/openapi.json')).json() as Document;
  const ajv = new Ajv2020({ strict: false });
  formats.default(ajv);
  ajv.addSchema({ ...document, $id: 'openapi.json' });
  const validate = ajv.getSchema('openapi.json#/components/schemas/DateOfBirthRequest');
  t.truthy(validate);
  t.true(validate?.({ dateOfBirth: '2000-02-29' }));
  t.false(validate?.({ dateOfBirth: '2000/02/29' }));
  t.false(validate?.({}));
});
