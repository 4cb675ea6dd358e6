import { MAX_BODY_BYTES } from './json-body.js';
import { PROBLEM_CONTENT_TYPE } from './problem.js';
import type { RouteDeclaration } from './routes.js';

const problem = (description: string, headers?: Record<string, unknown>) => ({
  description,
  ...(headers === undefined ? {} : { headers }),
  content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/Problem' } } },
});

const retryAfter = {
  'Retry-After': {
    description: 'Seconds to wait before retrying',
    schema: { type: 'string', pattern: '^[0-9]+$' },
  },
};
const json = (ref: string) => ({ 'application/json': { schema: { $ref: `#/components/schemas/${ref}` } } });

const usernameParameter = {
  name: 'username',
  in: 'path',
  required: true,
  description:
    'Letters of any script (Unicode category L), 1 to 64 characters after NFC normalisation; URL-encoded',
  schema: { type: 'string', pattern: '^\\p{L}{1,64}$' },
};

const commonErrors = {
  '400': problem('Invalid username, date of birth or request body'),
  '503': problem('The data store is unavailable or the server is overloaded', retryAfter),
};

/** The OpenAPI 3.1 description of every route of the API listener, built once and served as is; the tests validate live responses against the served copy. */
const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: 'hello-birthday',
    version: '1.0.0',
    description:
      "Saves users' dates of birth and greets them with the number of days until their next birthday (UTC). " +
      'Every error is application/problem+json (RFC 9457): an unknown path is 404, a method a path does not ' +
      'support is 405 with an Allow header (HEAD is served wherever GET is). Every response carries ' +
      'X-Request-Id and security headers. This is the API listener (PORT); /livez and /metrics are served ' +
      'only by the management listener (MANAGEMENT_PORT), which also serves /readyz.',
  },
  paths: {
    '/hello/{username}': {
      parameters: [usernameParameter],
      put: {
        operationId: 'saveUser',
        summary: "Save or replace a user's date of birth",
        requestBody: {
          required: true,
          content: json('DateOfBirthRequest'),
        },
        responses: {
          '204': { description: 'Saved' },
          ...commonErrors,
          '413': problem(`Request body larger than ${MAX_BODY_BYTES} bytes`),
          '415': problem('Request body is not JSON'),
        },
      },
      get: {
        operationId: 'greetUser',
        summary: 'Greet a user with the days until their birthday',
        responses: {
          '200': { description: 'The greeting', content: json('HelloMessage') },
          ...commonErrors,
          '404': problem('Unknown user'),
        },
      },
    },
    '/readyz': {
      get: {
        operationId: 'readyz',
        summary:
          'Readiness: 200 while this instance can serve (whatever the data store does), 503 while it drains',
        responses: {
          '200': {
            description: 'Ready; `store` says whether the data store answered a ping',
            content: json('Readiness'),
          },
          '503': {
            description: 'Draining: shutting down, take it out of rotation',
            content: json('Readiness'),
          },
        },
      },
    },
    '/openapi.json': {
      get: {
        operationId: 'openapi',
        summary: 'This document',
        responses: {
          '200': {
            description: 'The OpenAPI document',
            content: { 'application/json': { schema: { type: 'object' } } },
          },
        },
      },
    },
  },
  components: {
    schemas: {
      DateOfBirthRequest: {
        type: 'object',
        required: ['dateOfBirth'],
        properties: {
          dateOfBirth: {
            type: 'string',
            format: 'date',
            pattern: '^[0-9]{4}-[0-9]{2}-[0-9]{2}$',
            description: 'A real calendar date strictly before today (UTC)',
          },
        },
      },
      HelloMessage: {
        type: 'object',
        required: ['message'],
        additionalProperties: false,
        properties: {
          message: {
            type: 'string',
            pattern:
              '^Hello, \\p{L}{1,64}! (Happy birthday!|Your birthday is in [1-9][0-9]{0,2} day\\(s\\))$',
          },
        },
      },
      Readiness: {
        type: 'object',
        required: ['status', 'store'],
        additionalProperties: false,
        properties: {
          status: { type: 'string', enum: ['ready', 'draining'] },
          store: { type: 'string', enum: ['up', 'down'] },
        },
      },
      Problem: {
        type: 'object',
        required: ['type', 'title', 'status', 'detail'],
        properties: {
          type: { type: 'string' },
          title: { type: 'string' },
          status: { type: 'integer', minimum: 400, maximum: 599 },
          detail: { type: 'string' },
        },
      },
    },
  },
} as const;

const serialisedDocument = JSON.stringify(openApiDocument);

/** `GET /openapi.json`: API traffic like `/hello`, so overload protection applies to it too. */
export const openApiRoute: RouteDeclaration = {
  path: '/openapi.json',
  overloadExempt: false,
  methods: {
    GET: {
      handle(ctx) {
        ctx.type = 'application/json';
        ctx.body = serialisedDocument;
      },
    },
  },
};
