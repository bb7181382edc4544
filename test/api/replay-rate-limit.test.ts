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

    it('waits for the tenant’s budget instead of failing, while the tenant’s own publishes are refused meanwhile', async () => {
      for (let n = 0; n < 10; n++) {
        const published = await gql(hub.url, PUBLISH, { input: publishInput({ type: 'rl.item.made', payload: { n } }) }, TEST_KEYS.acme);
        if (errorCodes(published).includes('RATE_LIMITED')) await sleep(1100);
        else assert.equal(published.data!['publishEvent'].status, 'ACCEPTED');
      }
      await sleep(1100); // a fresh budget for the replay
      const started = await gql(hub.url, START, { input: { target: 'REPUBLISH', filter: { types: ['rl.>'] } } }, TEST_KEYS.acme);
      const id = started.data!['startReplay'].id as string;
      await sleep(300);
      const during = await gql(hub.url, PUBLISH, { input: publishInput({ type: 'other.item.made' }) }, TEST_KEYS.acme);
      assert.deepEqual(errorCodes(during), ['RATE_LIMITED'], 'the replay took the tenant’s budget');
      const globex = await gql(hub.url, PUBLISH, { input: publishInput({ type: 'other.item.made' }) }, TEST_KEYS.globex);
      assert.equal(globex.data!['publishEvent'].status, 'ACCEPTED', 'another tenant’s budget is its own');

      let job = (await gql(hub.url, JOB, { id }, TEST_KEYS.acme)).data!['replayJob'];
      for (let i = 0; i < 300 && job.status !== 'COMPLETED'; i++) {
        await sleep(50);
        job = (await gql(hub.url, JOB, { id }, TEST_KEYS.acme)).data!['replayJob'];
      }
      assert.deepEqual(job, { status: 'COMPLETED', processed: 10, failed: 0 });
    });
  });
}
