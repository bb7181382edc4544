// A handler can tell a replayed call from a live one: ctx.replay and the event's metadata.replay
// are set on HANDLERS replays only. On the memory store and on MongoDB.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { HubEvent } from '../../src/events/event.ts';
import type { HandlerContext, HubHandler } from '../../src/handlers/handler.ts';
import { publishInput } from '../support/fixtures.ts';
import { gql, PUBLISH } from '../support/graphql-client.ts';
import { TEST_KEYS } from '../support/hub.ts';
import { STORE_KINDS, startHubOn, type TestHub } from '../support/store-hubs.ts';
import { until } from '../support/until.ts';

interface Seen {
  eventId: string;
  replay: HandlerContext['replay'];
  metadataReplay: HubEvent['metadata']['replay'];
}

const START = 'mutation($input: StartReplayInput!) { startReplay(input: $input) { id status } }';
const JOB = 'query($id: ID!) { replayJob(id: $id) { status processed failed } }';

for (const kind of STORE_KINDS) {
  describe(`a handler's view of replays, on ${kind}`, () => {
    const seen: Seen[] = [];
    const watcher: HubHandler = {
      name: 'watcher',
      eventTypes: ['rc.>'],
      priority: 0,
      async handle(event, ctx) {
        seen.push({ eventId: event.id, replay: ctx.replay, metadataReplay: event.metadata.replay });
      },
    };
    let hub: TestHub;
    before(async () => {
      hub = await startHubOn(
        kind,
        { HUB_REPLAY_POLL_MS: '100', HUB_HANDLER_POLL_MS: '100', HUB_LEASE_MS: '2000' },
        { handlers: [watcher] },
      );
    });
    after(() => hub.stop());

    it('sees no ctx.replay on a live call, and ctx.replay with the job and mode plus metadata.replay on a HANDLERS replay', async () => {
      const published = await gql(hub.url, PUBLISH, { input: publishInput({ type: 'rc.order.made' }) }, TEST_KEYS.acme);
      const eventId = published.data!['publishEvent'].event.id as string;
      await until(
        () => seen.length,
        (n) => n >= 1,
        'the live call',
      );
      assert.deepEqual(seen[0], { eventId, replay: undefined, metadataReplay: undefined });

      const started = await gql(
        hub.url,
        START,
        { input: { target: 'HANDLERS', handlers: ['watcher'], filter: { types: ['rc.>'] } } },
        TEST_KEYS.acme,
      );
      const jobId = started.data!['startReplay'].id as string;
      const job = await until(
        async () => (await gql(hub.url, JOB, { id: jobId }, TEST_KEYS.acme)).data!['replayJob'],
        (j) => j.status === 'COMPLETED',
        'the replay',
      );
      assert.deepEqual([job.processed, job.failed], [1, 0]);
      assert.equal(seen.length, 2);
      assert.deepEqual(seen[1], {
        eventId,
        replay: { jobId, mode: 'HANDLERS' },
        metadataReplay: { jobId, originalEventId: eventId },
      });
    });
  });
}
