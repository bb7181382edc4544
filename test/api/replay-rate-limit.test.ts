// A REPUBLISH replay stores new events in the tenant, so it takes them from the tenant's publish
// budget (HUB_RATE_LIMIT): it waits for the budget rather than failing, and the tenant's clients
// share what is left. Other tenants' budgets are untouched.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { publishInput } from '../support/fixtures.ts';
import { errorCodes, gql, PUBLISH } from '../support/graphql-client.ts';
import { TEST_KEYS } from '../support/hub.ts';
import { STORE_KINDS, startHubOn, type TestHub } from '../support/store-hubs.ts';

const START = 'mutation($input: StartReplayInput!) { startReplay(input: $input) { id } }';
const JOB = 'query($id: ID!) { replayJob(id: $id) { status processed failed } }';

for (const kind of STORE_KINDS) {
  describe(`REPUBLISH and the publish rate limit, on ${kind}`, () => {
    let hub: TestHub;
    before(async () => {
      hub = await startHubOn(kind, { HUB_RATE_LIMIT: '10', HUB_REPLAY_POLL_MS: '100', HUB_REPLAY_RATE: '1000' });
    });
    after(() => hub.stop());

    it('waits for the tenant’s budget instead of failing, and the tenant’s own publishes share what is left', async () => {
      // 30 events at the limit of 10 per second, published 10 a second
      for (let n = 0; n < 30; ) {
        const published = await gql(
          hub.url,
          PUBLISH,
          { input: publishInput({ type: 'rl.item.made', payload: { n } }) },
          TEST_KEYS.acme,
        );
        if (errorCodes(published).includes('RATE_LIMITED')) await sleep(200);
        else n++;
      }
      await sleep(1100); // a fresh budget for the replay
      const started = await gql(
        hub.url,
        START,
        { input: { target: 'REPUBLISH', filter: { types: ['rl.>'] } } },
        TEST_KEYS.acme,
      );
      const id = started.data!['startReplay'].id as string;
      // While the replay takes 10 a second, the tenant asks for 10 a second more: without the replay
      // drawing on the budget every one of them would fit.
      let refused = 0;
      let job = (await gql(hub.url, JOB, { id }, TEST_KEYS.acme)).data!['replayJob'];
      for (let i = 0; i < 300 && job.status !== 'COMPLETED'; i++) {
        const during = await gql(
          hub.url,
          PUBLISH,
          { input: publishInput({ type: 'other.item.made' }) },
          TEST_KEYS.acme,
        );
        if (errorCodes(during).includes('RATE_LIMITED')) refused++;
        await sleep(100);
        job = (await gql(hub.url, JOB, { id }, TEST_KEYS.acme)).data!['replayJob'];
      }
      assert.deepEqual(
        job,
        { status: 'COMPLETED', processed: 30, failed: 0 },
        'the replay waited for the budget rather than failing',
      );
      assert.ok(
        refused > 0,
        'the replay took from the tenant’s budget: some of its own publishes were refused meanwhile',
      );
      const globex = await gql(
        hub.url,
        PUBLISH,
        { input: publishInput({ type: 'other.item.made' }) },
        TEST_KEYS.globex,
      );
      assert.equal(globex.data!['publishEvent'].status, 'ACCEPTED', 'another tenant’s budget is its own');
    });
  });
}
