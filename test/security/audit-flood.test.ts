// Refused callers cannot flood the audit trail: one record per window for each tenant (or, without a
// valid key, client address), code, key and operation type, however they vary their requests, and the
// sampler's memory is bounded however many callers there are.
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { createAuditSampler } from '../../src/audit/audit-sampler.ts';
import { createAuditTrail } from '../../src/audit/audit-trail.ts';
import type { PendingEvent } from '../../src/events/event.ts';
import type { Ingest } from '../../src/ingest/ingest.ts';
import { createLogger } from '../../src/logger.ts';
import { gql } from '../support/graphql-client.ts';
import { startHubOn, STORE_KINDS, type TestHub } from '../support/store-hubs.ts';
import { storedEvents } from '../support/stored-events.ts';

/** The i-th of many different refused queries: a different mix of root fields and aliases each time. */
function variedQuery(i: number): string {
  const events = Array.from({ length: (i % 10) + 1 }, (_, j) => `e${j}: events { edges { cursor } }`);
  const jobs = Array.from({ length: Math.floor(i / 10) % 5 }, (_, j) => `r${j}: replayJobs { edges { cursor } }`);
  return `{ ${[...events, ...jobs].join(' ')} }`;
}

/** POSTs a query without a key from the loopback address `localAddress`. */
function postFrom(url: string, localAddress: string, query: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/graphql`,
      { method: 'POST', localAddress, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume().on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject).end(JSON.stringify({ query }));
  });
}

for (const kind of STORE_KINDS) {
  describe(`audit flood on ${kind}`, () => {
    let hub: TestHub;
    before(async () => (hub = await startHubOn(kind, { HUB_AUDIT_TENANT: 'globex' })));
    after(() => hub.stop());

    it('stores one denial for 50 unauthenticated requests from one address, whatever their fields and aliases', async () => {
      for (let i = 0; i < 50; i++) {
        const refused = await gql(hub.url, variedQuery(i), {}, 'not-a-key-of-this-hub-at-all');
        assert.equal(refused.errors?.[0]?.extensions?.['code'], 'UNAUTHENTICATED', JSON.stringify(refused.errors));
      }
      const denials = await storedEvents(hub, 'globex', ['system.access.denied']);
      assert.equal(denials.length, 1);
      assert.deepEqual(
        { ...denials[0]!.payload, requestId: typeof denials[0]!.payload['requestId'] },
        {
          code: 'UNAUTHENTICATED',
          operation: 'query',
          fields: ['events'],
          occurrences: 1,
          tenantKnown: false,
          clientAddress: '127.0.0.1',
          keyName: null,
          requestId: 'string',
        },
      );
    });

    it('stores the denials of another address apart', async () => {
      assert.equal(await postFrom(hub.url, '127.0.0.2', '{ events { edges { cursor } } }'), 200);
      const denials = await storedEvents(hub, 'globex', ['system.access.denied'], 2);
      assert.deepEqual(
        denials.map((denial) => denial.payload['clientAddress']),
        ['127.0.0.1', '127.0.0.2'],
      );
    });
  });
}

describe('audit sampler memory', () => {
  it('keeps at most maxKeys windows plus one per bucket for 100,000 distinct keys, counting the overflow in one window', () => {
    const sampler = createAuditSampler({ windowMs: 60_000, maxKeys: 1000, now: () => 0 });
    const reported = [];
    for (let i = 0; i < 100_000; i++) {
      const sampled = sampler.sample(`client-${i}`, 'tenant-a');
      if (sampled) reported.push(sampled);
    }
    assert.equal(sampler.size(), 1001);
    assert.equal(reported.length, 1001, 'one report per key with a window of its own, one for the overflow');
    assert.deepEqual(reported.at(-1), { occurrences: 1, overflow: true });
  });

  it('reports the overflow’s suppressed count when its window reopens, and gives expired keys’ room to new ones', () => {
    let now = 0;
    const sampler = createAuditSampler({ windowMs: 1000, maxKeys: 10, now: () => now });
    for (let i = 0; i < 1000; i++) sampler.sample(`client-${i}`, 'tenant-a');
    now = 1000;
    assert.deepEqual(
      sampler.sample('client-new', 'tenant-a'),
      { occurrences: 1, overflow: false },
      'expired windows make room',
    );
    for (let i = 0; i < 9; i++) sampler.sample(`client-later-${i}`, 'tenant-a');
    assert.deepEqual(sampler.sample('client-one-more', 'tenant-a'), { occurrences: 990, overflow: true });
    assert.ok(sampler.size() <= 11);
  });

  it('records one audit event per window for 100,000 client addresses beyond its keys', async () => {
    const recorded: PendingEvent[] = [];
    const ingest = {
      publishInternal: async (events: readonly PendingEvent[]) => {
        recorded.push(...events);
        return [];
      },
    } as unknown as Ingest;
    const audit = createAuditTrail({
      ingest,
      log: createLogger('silent'),
      sampleMs: 60_000,
      auditTenant: 'ops',
      maxSampledKeys: 100,
      now: () => 0,
    });
    for (let i = 0; i < 100_000; i++) {
      const clientAddress = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;
      audit.accessDenied({
        tenantId: null,
        code: 'UNAUTHENTICATED',
        operation: 'query',
        fields: ['events'],
        keyName: null,
        requestId: `r${i}`,
        clientAddress,
      });
    }
    assert.equal(recorded.length, 101);
    assert.equal(recorded.at(-1)!.payload['overflow'], true);
  });
});
