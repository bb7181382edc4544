// A replay starts without counting: while it runs it reports processed, failed and progress (the
// share of its position range behind it); total is known once it completes. A dry run counts.
// On the memory store and on MongoDB.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HubHandler } from '../../src/handlers/handler.ts';
import { publishInput } from '../support/fixtures.ts';
import { gql } from '../support/graphql-client.ts';
import { TEST_KEYS } from '../support/hub.ts';
import { STORE_KINDS, startHubOn, type TestHub } from '../support/store-hubs.ts';

const START = 'mutation($input: StartReplayInput!) { startReplay(input: $input) { id total progress } }';
const JOB = 'query($id: ID!) { replayJob(id: $id) { status total processed failed progress sample { id } } }';
const PUBLISH_MANY = 'mutation($input: [PublishEventInput!]!) { publishEvents(input: $input) { event { id } } }';

interface View {
  status: string;
  total: number | null;
  processed: number;
  failed: number;
  progress: number;
  sample: { id: string }[];
}

const noop: HubHandler = { name: 'noop', eventTypes: ['prog.>'], priority: 0, handle: async () => {} };

for (const kind of STORE_KINDS) {
  describe(`replay progress, on ${kind}`, () => {
    let hub: TestHub;
    let ids: string[];
    before(async () => {
      hub = await startHubOn(kind, { HUB_REPLAY_POLL_MS: '100', HUB_REPLAY_RATE: '20' }, { handlers: [noop] });
      const inputs = Array.from({ length: 40 }, (_, n) => publishInput({ type: 'prog.item.made', payload: { n } }));
      ids = (await gql(hub.url, PUBLISH_MANY, { input: inputs }, TEST_KEYS.acme)).data!['publishEvents'].map(
        (r: { event: { id: string } }) => r.event.id,
      );
    });
    after(() => hub.stop());

    const view = async (id: string): Promise<View> =>
      (await gql(hub.url, JOB, { id }, TEST_KEYS.acme)).data!['replayJob'];

    it('reports progress without a total while it runs, and the total once COMPLETED', async () => {
      const started = await gql(
        hub.url,
        START,
        { input: { target: 'HANDLERS', filter: { types: ['prog.>'] } } },
        TEST_KEYS.acme,
      );
      const id = started.data!['startReplay'].id as string;
      assert.deepEqual([started.data!['startReplay'].total, started.data!['startReplay'].progress], [null, 0]);
      const seen: View[] = [];
      for (let last = await view(id); last.status !== 'COMPLETED'; last = await view(id)) {
        seen.push(last);
        assert.ok(seen.length < 400, 'the replay did not complete');
        await sleep(25);
      }
      const midway = seen.filter((v) => v.status === 'RUNNING' && v.processed > 0 && v.processed < 40);
      assert.ok(midway.length > 0, 'saw the job midway');
      for (const v of midway) {
        assert.equal(v.total, null, 'no total before it completes');
        assert.ok(v.progress > 0 && v.progress < 1, `progress ${v.progress}`);
      }
      const progresses = seen.map((v) => v.progress);
      assert.deepEqual(
        progresses,
        [...progresses].sort((a, b) => a - b),
        'progress never goes back',
      );
      const done = await view(id);
      assert.deepEqual(
        { ...done, sample: done.sample.map((e) => e.id) },
        { status: 'COMPLETED', total: 40, processed: 40, failed: 0, progress: 1, sample: ids.slice(0, 10) },
      );
    });

    it('counts exactly on a dry run, with the first matching ids as its sample', async () => {
      const started = await gql(
        hub.url,
        START,
        {
          input: {
            target: 'HANDLERS',
            dryRun: true,
            filter: { types: ['prog.>'], where: [{ path: 'payload.n', op: 'GTE', value: 35 }] },
          },
        },
        TEST_KEYS.acme,
      );
      const id = started.data!['startReplay'].id as string;
      let done = await view(id);
      while (done.status !== 'COMPLETED') {
        await sleep(25);
        done = await view(id);
      }
      assert.deepEqual(
        { ...done, sample: done.sample.map((e) => e.id) },
        { status: 'COMPLETED', total: 5, processed: 0, failed: 0, progress: 1, sample: ids.slice(35) },
      );
    });
  });
}
