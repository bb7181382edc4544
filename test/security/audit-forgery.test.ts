// `system.*` types and source SYSTEM are the hub's own word (audit trail, replay progress, handlers'
// follow-ups): no API key and no handler may publish them, while the hub's own writes go on.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HubHandler } from '../../src/handlers/handler.ts';
import type { PublishResult } from '../../src/ingest/ingest.ts';
import { publishInput } from '../support/fixtures.ts';
import { gql, PUBLISH } from '../support/graphql-client.ts';
import { TEST_KEYS } from '../support/hub.ts';
import { startHubOn, STORE_KINDS, type TestHub } from '../support/store-hubs.ts';
import { storedEvents } from '../support/stored-events.ts';

const PUBLISH_MANY =
  'mutation($input: [PublishEventInput!]!) { publishEvents(input: $input) { status error { code path } } }';
const FORGED_AUDIT = {
  code: 'FORBIDDEN',
  operation: 'mutation',
  fields: ['publishEvent'],
  occurrences: 1,
  keyName: 'someone-else',
  forged: true,
};

/** Answers `forge.attempt.made` with a forged audit event and an honest follow-up, keeping both outcomes. */
function forger(outcomes: PublishResult[]): HubHandler {
  return {
    name: 'forger',
    eventTypes: ['forge.attempt.made'],
    priority: 0,
    async handle(_event, ctx) {
      outcomes.push(await ctx.publish({ type: 'system.access.denied', payload: FORGED_AUDIT }));
      outcomes.push(await ctx.publish({ type: 'forge.follow_up.made', payload: { honest: true } }));
    },
  };
}

async function noForgedEventStored(hub: TestHub): Promise<void> {
  const forged = (await storedEvents(hub, 'acme', null)).filter((event) => event.payload['forged'] === true);
  assert.deepEqual(forged, [], 'a forged event was stored');
}

for (const kind of STORE_KINDS) {
  describe(`forged system events on ${kind}`, () => {
    const outcomes: PublishResult[] = [];
    let hub: TestHub;
    before(async () => (hub = await startHubOn(kind, {}, { handlers: [forger(outcomes)] })));
    after(() => hub.stop());

    it('refuses publishEvent of a system.* type with BAD_USER_INPUT on `type`, storing nothing', async () => {
      const input = publishInput({
        type: 'system.access.denied',
        source: { type: 'SYSTEM', id: 'audit' },
        payload: FORGED_AUDIT,
      });
      const response = await gql(hub.url, PUBLISH, { input }, TEST_KEYS.acme);
      assert.equal(response.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
      assert.deepEqual(response.errors?.[0]?.extensions?.['inputPath'], ['type']);
      await noForgedEventStored(hub);
    });

    it('refuses publishEvent from source SYSTEM with BAD_USER_INPUT on `source.type`, storing nothing', async () => {
      const input = publishInput({ source: { type: 'SYSTEM', id: 'audit' }, payload: { forged: true } });
      const response = await gql(hub.url, PUBLISH, { input }, TEST_KEYS.acme);
      assert.equal(response.errors?.[0]?.extensions?.['code'], 'BAD_USER_INPUT');
      assert.deepEqual(response.errors?.[0]?.extensions?.['inputPath'], ['source', 'type']);
      await noForgedEventStored(hub);
    });

    it('rejects the forged items of a publishEvents batch one by one and stores the others', async () => {
      const input = [
        publishInput({ type: 'system.replay.requested', payload: { forged: true } }),
        publishInput({ source: { type: 'SYSTEM', id: 'replay' }, payload: { forged: true } }),
        publishInput({ payload: { honest: true } }),
      ];
      const response = await gql(hub.url, PUBLISH_MANY, { input }, TEST_KEYS.acme);
      assert.deepEqual(response.data?.['publishEvents'], [
        { status: 'REJECTED', error: { code: 'BAD_USER_INPUT', path: ['type'] } },
        { status: 'REJECTED', error: { code: 'BAD_USER_INPUT', path: ['source', 'type'] } },
        { status: 'ACCEPTED', error: null },
      ]);
      await noForgedEventStored(hub);
    });

    it('rejects a handler follow-up of a system.* type, while its other follow-ups keep source SYSTEM', async () => {
      await gql(hub.url, PUBLISH, { input: publishInput({ type: 'forge.attempt.made' }) }, TEST_KEYS.acme);
      for (let i = 0; i < 250 && outcomes.length < 2; i++) await sleep(20);
      const [forged, honest] = outcomes;
      assert.equal(forged?.status, 'REJECTED');
      assert.deepEqual(forged?.status === 'REJECTED' && [forged.error.code, forged.error.inputPath], [
        'BAD_USER_INPUT',
        ['type'],
      ]);
      assert.equal(honest?.status, 'ACCEPTED');
      assert.deepEqual(honest?.status === 'ACCEPTED' && honest.event.source, { type: 'SYSTEM', id: 'handler:forger' });
      await noForgedEventStored(hub);
    });

    it('still records its own audit events, and a REPUBLISH replay copies them', async () => {
      const refused = await gql(hub.url, PUBLISH, { input: publishInput() }, TEST_KEYS.acmeReadOnly);
      assert.equal(refused.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
      const [denial] = await storedEvents(hub, 'acme', ['system.access.denied'], 1);
      assert.deepEqual(denial?.source, { type: 'SYSTEM', id: 'audit' });

      const START = 'mutation($input: StartReplayInput!) { startReplay(input: $input) { id } }';
      const started = await gql(
        hub.url,
        START,
        { input: { filter: { types: ['system.access.denied'] }, target: 'REPUBLISH' } },
        TEST_KEYS.acme,
      );
      assert.equal(started.errors, undefined, JSON.stringify(started.errors));
      const copies = (await storedEvents(hub, 'acme', ['system.access.denied'], 2)).filter(
        (event) => event.metadata.replay,
      );
      assert.deepEqual(
        copies.map((copy) => [copy.source, copy.payload, copy.metadata.replay?.originalEventId]),
        [[{ type: 'SYSTEM', id: 'audit' }, denial!.payload, denial!.id]],
      );
    });
  });
}
