// Signed webhooks at POST /webhooks/{sourceId}: verified with the source's secrets (Standard Webhooks,
// GitHub), mapped by JSONata to a typed event in the source's tenant and published through ingest.
import assert from 'node:assert/strict';
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '../../src/config.ts';
import { createMemoryRateLimitStore } from '../../src/limits/memory-rate-limit-store.ts';
import { postTo, type DoorAnswer } from '../support/door-client.ts';
import { spawnHub, startTestHub } from '../support/hub.ts';
import { STORE_KINDS, startHubOn, type TestHub } from '../support/store-hubs.ts';
import { storedEvents } from '../support/stored-events.ts';

const whsec = () => `whsec_${randomBytes(32).toString('base64')}`;
const OLD_SECRET = whsec();
const NEW_SECRET = whsec();
const GITHUB_SECRET = `gh-${randomBytes(16).toString('hex')}`;

/** A Standard Webhooks signature, made as the spec says: base64 HMAC-SHA256 of `id.timestamp.body` with the secret's bytes. */
function signStandard(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** GitHub's X-Hub-Signature-256: hex HMAC-SHA256 of the body with the webhook's secret. */
const signGithub = (secret: string, body: string) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

const SOURCES = [
  {
    id: 'crm',
    tenant: 'acme',
    scheme: 'standard',
    secrets: [OLD_SECRET, NEW_SECRET],
    mapping: {
      type: '"crm.contact." & action',
      subject: '"contact/" & data.id',
      timestamp: 'occurredAt',
      payload: 'data',
    },
  },
  {
    id: 'shop',
    tenant: 'acme',
    scheme: 'standard',
    secrets: [NEW_SECRET],
    mapping: {
      type: '"sales.order.cancelled"',
      idempotencyKey: 'order.id & "/" & $webhookId',
      payload: '{ "orderId": order.id, "customerId": order.customer }',
    },
  },
  {
    id: 'gh',
    tenant: 'globex',
    scheme: 'github',
    secrets: [GITHUB_SECRET],
    mapping: { type: '"github." & $headers."x-github-event"', subject: 'repository.full_name' },
  },
  {
    id: 'loops',
    tenant: 'acme',
    scheme: 'standard',
    secrets: [NEW_SECRET],
    mapping: { type: '($f := function($n) { $f($n + 1) }; $f(0))' },
  },
  { id: 'untyped', tenant: 'acme', scheme: 'standard', secrets: [NEW_SECRET], mapping: { type: 'kind' } },
];

/** Delivers `body` to `source` signed with `secret` (Standard Webhooks), as a sender would. */
function deliver(
  url: string,
  source: string,
  body: unknown,
  {
    secret = NEW_SECRET,
    id = `msg_${randomUUID()}`,
    timestamp = Math.floor(Date.now() / 1000),
    signature,
  }: { secret?: string; id?: string; timestamp?: number; signature?: string | null } = {},
): Promise<DoorAnswer> {
  const text = JSON.stringify(body);
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
  };
  if (signature !== null) headers['webhook-signature'] = signature ?? signStandard(secret, id, timestamp, text);
  return postTo(url, `/webhooks/${source}`, headers, text);
}

const contactBody = (id = 'c-1') => ({
  action: 'created',
  occurredAt: '2026-01-05T10:00:00+02:00',
  data: { id, name: 'Ada' },
});

function refused(answer: DoorAnswer, status: number, code: string): void {
  assert.equal(answer.status, status, JSON.stringify(answer.body));
  assert.match(answer.headers.get('content-type')!, /^application\/problem\+json/);
  assert.equal(answer.body.code, code);
}

for (const kind of STORE_KINDS) {
  describe(`signed webhooks, on ${kind}`, () => {
    let hub: TestHub;
    before(async () => (hub = await startHubOn(kind, { HUB_WEBHOOK_SOURCES: JSON.stringify(SOURCES) })));
    after(() => hub.stop());

    it('maps a Standard Webhooks delivery with JSONata to a typed event in the source tenant and answers 202 ACCEPTED', async () => {
      const answer = await deliver(hub.url, 'crm', contactBody(), { id: 'msg_fresh_1' });
      assert.equal(answer.status, 202, JSON.stringify(answer.body));
      assert.equal(answer.body.status, 'ACCEPTED');
      const [event] = await storedEvents(hub, 'acme', ['crm.contact.created'], 1);
      assert.equal(event!.id, answer.body.id);
      assert.deepEqual(event!.source, { type: 'WEBHOOK', id: 'crm' });
      assert.equal(event!.subject, 'contact/c-1');
      assert.equal(event!.timestamp.getTime(), Date.parse('2026-01-05T08:00:00Z'));
      assert.deepEqual(event!.payload, { id: 'c-1', name: 'Ada' });
      assert.equal(event!.metadata.idempotencyKey, 'wh:crm:msg_fresh_1');
    });

    it('answers a redelivery 200 DUPLICATE with the original event, and stores it once', async () => {
      const first = await deliver(hub.url, 'crm', contactBody('c-2'), { id: 'msg_again' });
      const again = await deliver(hub.url, 'crm', contactBody('c-2'), {
        id: 'msg_again',
        secret: OLD_SECRET,
        timestamp: Math.floor(Date.now() / 1000) - 60,
      });
      assert.equal(first.status, 202);
      assert.equal(again.status, 200, JSON.stringify(again.body));
      assert.deepEqual(again.body, { status: 'DUPLICATE', id: null, position: null, originalEventId: first.body.id });
      const stored = await storedEvents(hub, 'acme', ['crm.contact.created'], 3);
      assert.equal(stored.filter((event) => event.subject === 'contact/c-2').length, 1);
    });

    it('takes a GitHub-signed delivery, maps its event header, and keys it by X-GitHub-Delivery', async () => {
      const body = JSON.stringify({ ref: 'refs/heads/main', repository: { full_name: 'acme/hub' } });
      const headers = {
        'content-type': 'application/json',
        'x-github-event': 'push',
        'x-github-delivery': 'd-1',
        'x-hub-signature-256': signGithub(GITHUB_SECRET, body),
      };
      const answer = await postTo(hub.url, '/webhooks/gh', headers, body);
      assert.equal(answer.status, 202, JSON.stringify(answer.body));
      const [event] = await storedEvents(hub, 'globex', ['github.push'], 1);
      assert.equal(event!.subject, 'acme/hub');
      assert.deepEqual(event!.payload, JSON.parse(body));
      assert.equal(event!.metadata.idempotencyKey, 'wh:gh:d-1');
      assert.equal((await postTo(hub.url, '/webhooks/gh', headers, body)).status, 200, 'redelivered');
    });

    it('has the catalog check the mapped event: a payload that misses a field of its type is 400 with the path', async () => {
      refused(await deliver(hub.url, 'shop', { order: { id: 'o-1' } }), 400, 'BAD_USER_INPUT');
      const bad = await deliver(hub.url, 'shop', { order: { id: 'o-1' } });
      assert.deepEqual(bad.body.path, ['payload', 'customerId']);
      assert.equal(
        (await deliver(hub.url, 'shop', { order: { id: 'o-1', customer: 'cu-1' } }, { id: 'msg_cancel' })).status,
        202,
      );
      const [event] = await storedEvents(hub, 'acme', ['sales.order.cancelled'], 1);
      assert.equal(event!.metadata.idempotencyKey, 'wh:shop:o-1/msg_cancel', 'the mapped key, scoped by source');
    });
  });
}

describe('webhook refusals', () => {
  let hub: TestHub;
  before(
    async () =>
      (hub = (await startTestHub({
        HUB_WEBHOOK_SOURCES: JSON.stringify(SOURCES),
        HUB_MAX_BODY_BYTES: '2048',
        HUB_WEBHOOK_MAPPING_MS: '50',
      })) as TestHub),
  );
  after(() => hub.stop());

  it('refuses a wrong, stale or missing signature with 401 and records one sampled system.access.denied without secrets or signatures', async () => {
    const wrong = signStandard(whsec(), 'msg_x', Math.floor(Date.now() / 1000), '{}');
    refused(await deliver(hub.url, 'crm', contactBody('w'), { signature: wrong }), 401, 'UNAUTHENTICATED');
    refused(
      await deliver(hub.url, 'crm', contactBody('s'), { timestamp: Math.floor(Date.now() / 1000) - 301 }),
      401,
      'UNAUTHENTICATED',
    );
    const missing = await deliver(hub.url, 'crm', contactBody('m'), { signature: null });
    refused(missing, 401, 'UNAUTHENTICATED');
    assert.match(missing.body.detail, /webhook-signature/);
    const githubBody = '{"zen":"hi"}';
    refused(
      await postTo(
        hub.url,
        '/webhooks/gh',
        { 'content-type': 'application/json', 'x-hub-signature-256': signGithub('not-the-secret-at-all', githubBody) },
        githubBody,
      ),
      401,
      'UNAUTHENTICATED',
    );
    assert.equal((await storedEvents(hub, 'acme', ['crm.contact.created'])).length, 0);
    const [denied, ...more] = await storedEvents(hub, 'acme', ['system.access.denied'], 1);
    assert.equal(more.length, 0, 'sampled: one event per window');
    assert.deepEqual(
      [denied!.payload['code'], denied!.payload['operation'], denied!.payload['keyName']],
      ['UNAUTHENTICATED', 'POST /webhooks/crm', 'webhook:crm'],
    );
    const recorded = JSON.stringify(denied);
    for (const secret of [OLD_SECRET, NEW_SECRET, wrong.slice(3)])
      assert.ok(!recorded.includes(secret.slice(6, 30)), 'a secret or signature in the audit event');
    assert.equal(
      (await storedEvents(hub, 'globex', ['system.access.denied'], 1)).length,
      1,
      'the GitHub source’s tenant',
    );
  });

  it('verifies with either secret of a source being rotated', async () => {
    assert.equal((await deliver(hub.url, 'crm', contactBody('old'), { secret: OLD_SECRET })).status, 202);
    assert.equal((await deliver(hub.url, 'crm', contactBody('new'), { secret: NEW_SECRET })).status, 202);
    refused(
      await deliver(hub.url, 'shop', { order: { id: 'o', customer: 'c' } }, { secret: OLD_SECRET }),
      401,
      'UNAUTHENTICATED',
    );
  });

  it('answers 422 naming the field when a mapping fails on a body: a loop stopped by its budget, a type that is not a string', async () => {
    const loop = await deliver(hub.url, 'loops', { any: 1 });
    refused(loop, 422, 'UNPROCESSABLE');
    assert.deepEqual(loop.body.path, ['mapping', 'type']);
    const untyped = await deliver(hub.url, 'untyped', { kind: 42 });
    refused(untyped, 422, 'UNPROCESSABLE');
    assert.match(untyped.body.detail, /mapping.type gave no string/);
    assert.equal((await fetch(`${hub.url}/healthz`)).status, 200);
  });

  it('answers 404 for an unknown source, 415 for a body that is not JSON and 413 for one over HUB_MAX_BODY_BYTES', async () => {
    refused(await deliver(hub.url, 'nobody', contactBody()), 404, 'NOT_FOUND');
    const id = 'msg_text';
    const timestamp = Math.floor(Date.now() / 1000);
    const text = 'plain words';
    const headers = {
      'content-type': 'text/plain',
      'webhook-id': id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signStandard(NEW_SECRET, id, timestamp, text),
    };
    refused(await postTo(hub.url, '/webhooks/crm', headers, text), 415, 'UNSUPPORTED_MEDIA_TYPE');
    refused(await deliver(hub.url, 'crm', { ...contactBody(), padding: 'x'.repeat(3000) }), 413, 'PAYLOAD_TOO_LARGE');
  });
});

describe('webhook sources at start and on change', () => {
  it('stops the hub at start when an expression does not compile, naming the source and the field', async () => {
    const broken = JSON.stringify([{ ...SOURCES[0], mapping: { type: '"crm.x"', subject: 'data.(' } }]);
    await assert.rejects(
      startTestHub({ HUB_WEBHOOK_SOURCES: broken }),
      (error: Error) =>
        error instanceof ConfigError && /webhook source "crm": mapping.subject does not compile/.test(error.message),
    );
    await assert.rejects(
      spawnHub({ HUB_WEBHOOK_SOURCES: broken }),
      /webhook source "crm": mapping.subject does not compile/,
    );
  });

  it('holds a webhook source to its tenant’s rate limit, answering 429 with Retry-After', async (t) => {
    const hub = await startTestHub(
      { HUB_WEBHOOK_SOURCES: JSON.stringify(SOURCES), HUB_RATE_LIMIT: '1' },
      { rateLimits: createMemoryRateLimitStore({ windowSeconds: 60 }) },
    );
    t.after(() => hub.stop());
    assert.equal((await deliver(hub.url, 'crm', contactBody('r1'))).status, 202);
    const limited = await deliver(hub.url, 'crm', contactBody('r2'));
    refused(limited, 429, 'RATE_LIMITED');
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  });

  it('reads HUB_WEBHOOK_SOURCES_FILE again when it changes: a new secret verifies, and a broken rewrite keeps the sources in force', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'webhook-sources-'));
    t.after(() => rmSync(dir, { recursive: true, force: true }));
    const file = join(dir, 'sources.json');
    const crm = (secrets: string[]) => JSON.stringify([{ ...SOURCES[0], secrets }]);
    writeFileSync(file, crm([OLD_SECRET]));
    const hub = await startTestHub({ HUB_WEBHOOK_SOURCES_FILE: file });
    t.after(() => hub.stop());
    assert.equal((await deliver(hub.url, 'crm', contactBody('f1'), { secret: NEW_SECRET })).status, 401);
    writeFileSync(file, crm([NEW_SECRET]));
    assert.equal(
      await statusWithin(() => deliver(hub.url, 'crm', contactBody('f2'), { secret: NEW_SECRET }), 202),
      202,
    );
    writeFileSync(file, '[{"id": "crm", "mapping": ');
    await sleep(1200); // past the watcher's poll, so the broken version has been read
    assert.equal((await deliver(hub.url, 'crm', contactBody('f3'), { secret: NEW_SECRET })).status, 202);
    assert.equal((await deliver(hub.url, 'crm', contactBody('f4'), { secret: OLD_SECRET })).status, 401);
  });
});

/** The answer's status once it is `wanted`, trying for up to 3 s (a rewritten file is read within about one poll). */
async function statusWithin(send: () => Promise<DoorAnswer>, wanted: number): Promise<number> {
  let status = 0;
  for (let i = 0; i < 60 && status !== wanted; i++, await sleep(50)) status = (await send()).status;
  return status;
}
