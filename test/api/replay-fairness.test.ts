// Replay runners share out their work by tenant: one tenant's backlog of jobs never holds up
// another tenant's, and at most HUB_MAX_ACTIVE_REPLAYS_PER_TENANT of a tenant's jobs run at once.
// On the memory store and on MongoDB.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { HubHandler } from '../../src/handlers/handler.ts';
import { publishInput } from '../support/fixtures.ts';
import { gql } from '../support/graphql-client.ts';
import { TEST_KEYS } from '../support/hub.ts';
import { STORE_KINDS, startHubOn, type TestHub } from '../support/store-hubs.ts';

const POLL_MS = 200;
const START = 'mutation($input: StartReplayInput!) { startReplay(input: $input) { id } }';
const JOB = 'query($id: ID!) { replayJob(id: $id) { status total createdAt startedAt } }';
const JOBS = '{ replayJobs(first: 50) { edges { node { id status } } } }';
const PUBLISH_MANY = 'mutation($input: [PublishEventInput!]!) { publishEvents(input: $input) { status } }';

const noop: HubHandler = { name: 'noop', eventTypes: ['fair.>'], priority: 0, handle: async () => {} };

for (const kind of STORE_KINDS) {
  describe(`replay runners and tenants, on ${kind}`, () => {
    let hub: TestHub;
    before(async () => {
      // 20 events/s for all jobs of the process: acme's 20 jobs of 30 events would keep it busy for 30 s
      hub = await startHubOn(
        kind,
        { HUB_REPLAY_POLL_MS: String(POLL_MS), HUB_REPLAY_RATE: '20', HUB_LEASE_MS: '3000' },
        { handlers: [noop] },
      );
    });
    after(() => hub.stop());

    it('runs a second tenant’s dry run at once while the first has 20 jobs, and at most 2 of those at a time', async () => {
      const inputs = Array.from({ length: 30 }, (_, n) => publishInput({ type: 'fair.item.made', payload: { n } }));
      assert.ok((await gql(hub.url, PUBLISH_MANY, { input: inputs }, TEST_KEYS.acme)).data);
      for (let i = 0; i < 20; i++) {
        const started = await gql(
          hub.url,
          START,
          { input: { target: 'HANDLERS', handlers: ['noop'], filter: { types: ['fair.>'] } } },
          TEST_KEYS.acme,
        );
        assert.ok(started.data?.['startReplay'], JSON.stringify(started.errors));
      }
      await sleep(POLL_MS * 2); // the runners have taken acme's jobs they may take

      const dryRun = await gql(
        hub.url,
        START,
        { input: { target: 'HANDLERS', dryRun: true, filter: { types: ['fair.>'] } } },
        TEST_KEYS.globex,
      );
      const id = dryRun.data!['startReplay'].id as string;
      let job: { status: string; createdAt: string; startedAt: string | null } | undefined;
      let maxRunning = 0;
      for (const deadline = Date.now() + 10_000; Date.now() < deadline; ) {
        const seen: { status: string; createdAt: string; startedAt: string | null } = (
          await gql(hub.url, JOB, { id }, TEST_KEYS.globex)
        ).data!['replayJob'];
        job = seen;
        const acmeJobs = (await gql(hub.url, JOBS, {}, TEST_KEYS.acme)).data!['replayJobs'].edges as {
          node: { status: string };
        }[];
        maxRunning = Math.max(maxRunning, acmeJobs.filter((edge) => edge.node.status === 'RUNNING').length);
        if (seen.status === 'COMPLETED') break;
        await sleep(20);
      }
      // Behind acme's backlog it would wait about 30 s; taken at once, it starts within a poll (plus
      // the store writes that start a job, slow on a busy FerretDB).
      const done = job!;
      assert.equal(done.status, 'COMPLETED', 'globex’s dry run completed while acme’s backlog is still running');
      const waited = Date.parse(done.startedAt!) - Date.parse(done.createdAt);
      assert.ok(waited <= POLL_MS + 1500, `globex's dry run started ${waited} ms after it was created`);
      assert.ok(maxRunning <= 2, `${maxRunning} of acme's jobs ran at once`);
      assert.ok(maxRunning >= 1, 'acme’s jobs were running meanwhile');
    });
  });
}
