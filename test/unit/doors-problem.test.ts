import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { badInput, HubError, rateLimited, unauthenticated } from '../../src/errors.ts';
import { problemOf, sendProblem } from '../../src/doors/problem.ts';

/** Serves one problem and answers what a client sees: status, headers and body. */
async function served(error: unknown) {
  const server = createServer((_req, res) => sendProblem(res, problemOf(error)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    const response = await fetch(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    return {
      status: response.status,
      headers: response.headers,
      body: (await response.json()) as Record<string, unknown>,
    };
  } finally {
    server.close();
  }
}

describe('problem documents of the doors beside GraphQL', () => {
  it('carries the hub code, the message and the input path, as application/problem+json with the code’s status', async () => {
    const { status, headers, body } = await served(badInput('type is not a valid event type', ['type']));
    assert.equal(status, 400);
    assert.match(headers.get('content-type')!, /^application\/problem\+json/);
    assert.deepEqual(body, {
      type: 'about:blank',
      title: 'Bad request',
      status: 400,
      code: 'BAD_USER_INPUT',
      detail: 'type is not a valid event type',
      path: ['type'],
    });
  });

  it('gives RATE_LIMITED a Retry-After in whole seconds and UNAUTHENTICATED a WWW-Authenticate', async () => {
    const limited = await served(rateLimited(1500, 10, 1));
    assert.deepEqual(
      [limited.status, limited.headers.get('retry-after'), limited.body['retryAfterMs']],
      [429, '2', 1500],
    );
    const refused = await served(unauthenticated('token expired'));
    assert.deepEqual(
      [refused.status, refused.headers.get('www-authenticate'), refused.body['detail']],
      [401, 'Bearer', 'token expired'],
    );
  });

  it('says nothing about an unexpected error', async () => {
    const { status, body } = await served(new Error('password=hunter2 in a stack'));
    assert.deepEqual([status, body['code'], body['detail']], [500, 'INTERNAL_SERVER_ERROR', undefined]);
    assert.equal((await served(new HubError('UNAVAILABLE', 'the store is unavailable; retry later'))).status, 503);
  });
});
