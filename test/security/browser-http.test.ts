// What a web page can make a browser do to the hub: post forms, read answers cross-origin, reach a
// hub on the user's machine through DNS rebinding, open websockets. Each is refused.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import WebSocket from 'ws';
import { gql } from '../support/graphql-client.ts';
import { startTestHub, TEST_KEYS } from '../support/hub.ts';
import { startHubOn, STORE_KINDS, type TestHub } from '../support/store-hubs.ts';
import { rawRequest } from './http-request.ts';

const PUBLISH_DOCUMENT =
  'mutation { publishEvent(input: { type: "sales.order.placed", source: { type: EXTERNAL, id: "evil" }, payload: {} }) { status } }';
const REPLAY_DOCUMENT = 'mutation { startReplay(input: { target: REPUBLISH, filter: {} }) { id } }';
const COUNT = '{ events(first: 10) { edges { node { id } } } }';

/** What `<form method="post" action="http://127.0.0.1:4000/graphql">` sends, from any site. */
const formPost = (url: string, query: string) =>
  rawRequest(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
    body: new URLSearchParams({ query }).toString(),
  });

for (const kind of STORE_KINDS) {
  describe(`form posts to a hub without keys, on ${kind}`, () => {
    let hub: TestHub;
    before(async () => (hub = await startHubOn(kind, { HUB_API_KEYS: '' })));
    after(() => hub.stop());

    it('refuses a form post of publishEvent with 415 and a coded error, and stores nothing', async () => {
      const response = await formPost(hub.url, PUBLISH_DOCUMENT);
      assert.equal(response.status, 415);
      assert.equal(JSON.parse(response.body).errors[0].extensions.code, 'BAD_USER_INPUT');
      assert.deepEqual((await gql(hub.url, COUNT)).data, { events: { edges: [] } });
    });

    it('refuses a form post of startReplay, and no replay job exists', async () => {
      assert.equal((await formPost(hub.url, REPLAY_DOCUMENT)).status, 415);
      assert.deepEqual((await gql(hub.url, '{ replayJobs { edges { node { id } } } }')).data, {
        replayJobs: { edges: [] },
      });
    });

    it('refuses a multipart form and a text/plain post of publishEvent, and stores nothing', async () => {
      const boundary = 'xx';
      const multipart = `--${boundary}\r\nContent-Disposition: form-data; name="operations"\r\n\r\n${JSON.stringify({ query: PUBLISH_DOCUMENT })}\r\n--${boundary}--\r\n`;
      const url = `${hub.url}/graphql`;
      const asMultipart = await rawRequest(url, {
        method: 'POST',
        headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
        body: multipart,
      });
      assert.equal(asMultipart.status, 415);
      const asText = await rawRequest(url, {
        method: 'POST',
        headers: { 'content-type': 'text/plain' },
        body: JSON.stringify({ query: PUBLISH_DOCUMENT }),
      });
      assert.equal(asText.status, 403, 'text/plain is sent without a preflight: it needs the CSRF header');
      assert.equal(JSON.parse(asText.body).errors[0].extensions.code, 'FORBIDDEN');
      assert.deepEqual((await gql(hub.url, COUNT)).data, { events: { edges: [] } });
    });
  });
}

describe('GET requests', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  before(async () => (hub = await startTestHub({ HUB_API_KEYS: '' })));
  after(() => hub.stop());
  const get = (query: string, headers: Record<string, string> = {}) =>
    rawRequest(`${hub.url}/graphql?${new URLSearchParams({ query })}`, {
      headers: { accept: 'application/json', ...headers },
    });

  it('answers a GET query only with the CSRF header, which a page cannot set without a preflight', async () => {
    const refused = await get(COUNT);
    assert.equal(refused.status, 403);
    assert.equal(JSON.parse(refused.body).errors[0].extensions.code, 'FORBIDDEN');
    const answered = await get(COUNT, { 'x-graphql-yoga-csrf': '1' });
    assert.equal(answered.status, 200);
    assert.deepEqual(JSON.parse(answered.body).data, { events: { edges: [] } });
  });

  it('never runs a mutation sent by GET, CSRF header or not', async () => {
    assert.equal((await get(PUBLISH_DOCUMENT, { 'x-graphql-yoga-csrf': '1' })).status, 405);
    assert.deepEqual((await gql(hub.url, COUNT)).data, { events: { edges: [] } });
  });
});

describe('CORS', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let closed: Awaited<ReturnType<typeof startTestHub>>;
  before(async () => {
    hub = await startTestHub({ HUB_ALLOWED_ORIGINS: 'https://app.example,https://admin.example' });
    closed = await startTestHub({});
  });
  after(() => Promise.all([hub.stop(), closed.stop()]));
  const post = (url: string, origin: string) =>
    rawRequest(`${url}/graphql`, {
      method: 'POST',
      headers: { origin, 'content-type': 'application/json', authorization: `Bearer ${TEST_KEYS.acme}` },
      body: JSON.stringify({ query: COUNT }),
    });
  const preflight = (url: string, origin: string) =>
    rawRequest(`${url}/graphql`, {
      method: 'OPTIONS',
      headers: {
        origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization, content-type',
      },
    });

  it('gives an origin that is not allowed no Access-Control-Allow-Origin, on the preflight and the request', async () => {
    for (const response of [
      await preflight(hub.url, 'https://evil.example'),
      await post(hub.url, 'https://evil.example'),
    ]) {
      assert.equal(response.headers['access-control-allow-origin'], undefined);
      assert.equal(response.headers['access-control-allow-credentials'], undefined);
    }
  });

  it('gives an allowed origin itself back, never *, with Vary: Origin and the headers a client sends', async () => {
    const answer = await preflight(hub.url, 'https://admin.example');
    assert.equal(answer.headers['access-control-allow-origin'], 'https://admin.example');
    assert.match(String(answer.headers['vary']), /\bOrigin\b/);
    const allowed = String(answer.headers['access-control-allow-headers']).split(/,\s*/);
    for (const header of ['authorization', 'content-type', 'traceparent', 'tracestate', 'x-request-id'])
      assert.ok(allowed.includes(header), header);
    const response = await post(hub.url, 'https://app.example');
    assert.equal(response.status, 200);
    assert.equal(response.headers['access-control-allow-origin'], 'https://app.example');
    assert.notEqual(
      response.headers['access-control-allow-credentials'],
      'true',
      'keys travel in Authorization, never in cookies',
    );
    assert.match(String(response.headers['vary']), /\bOrigin\b/);
  });

  it('gives no origin access when HUB_ALLOWED_ORIGINS is empty', async () => {
    for (const response of [
      await preflight(closed.url, 'https://app.example'),
      await post(closed.url, 'https://app.example'),
    ]) {
      assert.equal(response.headers['access-control-allow-origin'], undefined);
    }
  });
});

/** The status a websocket upgrade is answered with: 101 when it opens. */
function upgradeStatus(url: string, options: { origin?: string; host?: string }): Promise<number | undefined> {
  const socket = new WebSocket(`${url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', {
    ...(options.origin && { origin: options.origin }),
    ...(options.host && { headers: { host: options.host } }),
  });
  return new Promise<number | undefined>((resolve) => {
    socket.on('unexpected-response', (_req, res) => resolve(res.statusCode));
    socket.on('open', () => resolve(101));
    socket.on('error', () => resolve(undefined));
  }).finally(() => socket.terminate());
}

describe('DNS rebinding: the Host of a hub without keys', () => {
  let open: Awaited<ReturnType<typeof startTestHub>>;
  let keyed: Awaited<ReturnType<typeof startTestHub>>;
  before(async () => {
    open = await startTestHub({ HUB_API_KEYS: '' });
    keyed = await startTestHub({});
  });
  after(() => Promise.all([open.stop(), keyed.stop()]));
  const query = (url: string, host: string) =>
    rawRequest(`${url}/graphql`, {
      method: 'POST',
      headers: { host, 'content-type': 'application/json' },
      body: JSON.stringify({ query: COUNT }),
    });
  const port = (url: string) => new URL(url).port;

  it('refuses a request addressed to another name with 421 and says why', async () => {
    const response = await query(open.url, `evil.example:${port(open.url)}`);
    assert.equal(response.status, 421);
    assert.match(JSON.parse(response.body).errors[0].message, /localhost/);
    assert.equal((await rawRequest(`${open.url}/metrics`, { headers: { host: 'evil.example' } })).status, 421);
  });

  it('serves requests addressed to a loopback name or address', async () => {
    for (const host of [`127.0.0.1:${port(open.url)}`, `localhost:${port(open.url)}`, 'hub.localhost', '[::1]']) {
      assert.equal((await query(open.url, host)).status, 200, host);
    }
  });

  it('does not check the Host once API keys are configured (a key is needed anyway)', async () => {
    assert.equal((await query(keyed.url, 'hub.internal.example')).status, 200);
  });

  it('refuses a websocket upgrade addressed to another name, and accepts a loopback one', async () => {
    assert.equal(await upgradeStatus(open.url, { host: 'evil.example' }), 421);
    assert.equal(await upgradeStatus(open.url, { host: `localhost:${port(open.url)}` }), 101);
  });
});

describe('websocket origins', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  before(async () => (hub = await startTestHub({ HUB_API_KEYS: '' })));
  after(() => hub.stop());

  it('refuses an upgrade from another site when no origins are allowed, and accepts the hub’s own origin', async () => {
    assert.equal(await upgradeStatus(hub.url, { origin: 'https://evil.example' }), 403);
    assert.equal(await upgradeStatus(hub.url, { origin: hub.url }), 101);
    assert.equal(await upgradeStatus(hub.url, {}), 101, 'a client that is not a browser sends no Origin');
  });
});
