// SHADOW replays black-box: two hub processes on the MongoDB-wire server and a Redis of this
// file's own, with the handlers of test/fixtures/shadow-handlers.ts. The process running a SHADOW
// job is killed with SIGKILL mid-run; the other takes the job over. Nothing the shadow published is
// ever stored, and the differences are those of an uninterrupted run.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { publishInput } from '../support/fixtures.ts';
import { type Connection, gql, type PublishResult } from '../support/graphql-client.ts';
import { TEST_KEYS, type HubProcess } from '../support/hub.ts';
import { allEvents, killHard, mongoHubs } from '../support/mongo-hubs.ts';
import { ownRedis } from '../support/own-redis.ts';

const MODULE = fileURLToPath(new URL('../fixtures/shadow-handlers.ts', import.meta.url));
const PUBLISH_MANY = 'mutation($input: [PublishEventInput!]!) { publishEvents(input: $input) { status event { id } } }';
const START = 'mutation($input: StartReplayInput!) { startReplay(input: $input) { id } }';
const JOB = 'query($id: ID!) { replayJob(id: $id) { status total processed failed differences } }';
const DIFF =
  'query($jobId: ID!, $after: String) { replayDiff(jobId: $jobId, first: 100, after: $after) { edges { node { event { id } handler changes live { status } shadow { status followUps { type } } } } pageInfo { hasNextPage endCursor } } }';
const COUNT = 20;
/** Every third order is under 10: those are the ones the candidate changes. */
const total = (n: number) => (n % 3 === 0 ? 5 : 20);

async function until<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  what: string,
  timeoutMs = 60_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await sleep(100);
  }
}

const readJob = async (hub: HubProcess, id: string) =>
  (await gql(hub.url, JOB, { id }, TEST_KEYS.acme)).data?.['replayJob'];

/** The process whose log says it took the job first. */
const firstTaker = (hubs: readonly HubProcess[], jobId: string) =>
  hubs.find((hub) =>
    hub
      .output()
      .split('\n')
      .some((line) => line.includes('"replay job taken"') && line.includes(jobId)),
  );

/** One replayDiff node as DIFF selects it. */
interface DiffNode {
  event: { id: string };
  handler: string;
  changes: string[];
  live: { status: string };
  shadow: { status: string; followUps: { type: string }[] };
}

async function differences(hub: HubProcess, jobId: string) {
  const nodes: DiffNode[] = [];
  for (let after: string | null = null; ; ) {
    const page: Connection<DiffNode> = (await gql(hub.url, DIFF, { jobId, after }, TEST_KEYS.acme)).data!['replayDiff'];
    nodes.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage) return nodes;
    after = page.pageInfo.endCursor;
  }
}

async function startShadow(hub: HubProcess): Promise<string> {
  const started = await gql(
    hub.url,
    START,
    { input: { target: 'SHADOW', filter: { types: ['shd.>'] } } },
    TEST_KEYS.acme,
  );
  assert.equal(started.errors, undefined, JSON.stringify(started.errors));
  return started.data!['startReplay'].id;
}

describe('SHADOW replays across hub processes (MongoDB-wire + Redis)', () => {
  it('a SHADOW job whose process is killed mid-run stores no follow-up, and finds the differences an uninterrupted run finds', {
    timeout: 180_000,
  }, async (t) => {
    const redis = await ownRedis(t);
    const cluster = await mongoHubs(t, {
      REDIS_URL: redis.url,
      HUB_HANDLER_MODULES: MODULE,
      HUB_HANDLER_POLL_MS: '1000',
      HUB_LEASE_MS: '1500',
      // One event per chunk: the kill lands between saved chunks or in the middle of one.
      HUB_REPLAY_RATE: '10',
      HUB_REPLAY_POLL_MS: '500',
    });
    const hubs = [await cluster.start(), await cluster.start()];
    const input = Array.from({ length: COUNT }, (_, n) =>
      publishInput({ type: 'shd.order.placed', payload: { orderId: `o${n}`, total: total(n), slowMs: 250 } }),
    );
    const published = await gql(hubs[1]!.url, PUBLISH_MANY, { input }, TEST_KEYS.acme);
    const ids: string[] = published.data!['publishEvents'].map((r: PublishResult) => r.event!.id);
    const trail = () => allEvents(hubs[0]!.url, TEST_KEYS.acme, 'processing { handler status }', { types: ['shd.>'] });
    await until(
      trail,
      (nodes) =>
        nodes.length === COUNT &&
        nodes.every((n) => n['processing'].some((p: { status: string }) => p.status === 'HANDLED')),
      'live handling and its trail',
    );
    const stored = async (hub: HubProcess) =>
      (await allEvents(hub.url, TEST_KEYS.acme, 'id type')).filter((e) => e.type !== 'system.replay.requested');
    const before = await stored(hubs[0]!);
    assert.equal(before.filter((e) => e.type === 'x.shipped').length, COUNT);

    const jobId = await startShadow(hubs[0]!);
    await until(
      () => readJob(hubs[0]!, jobId),
      (job) => job.processed + job.failed >= 5,
      'the job under way',
    );
    const runner = firstTaker(hubs, jobId);
    assert.ok(runner, 'a process took the job');
    assert.equal((await readJob(hubs[0]!, jobId)).status, 'RUNNING', 'killed mid-run');
    await killHard(runner);
    const survivor = hubs.find((hub) => hub !== runner)!;

    const job = await until(
      () => readJob(survivor, jobId),
      (j) => j.status === 'COMPLETED' || j.status === 'FAILED',
      'the job to end',
    );
    assert.equal(firstTaker([survivor], jobId), survivor, 'the other process took the job over');
    const expected = ids.filter((_, n) => total(n) < 10);
    assert.deepEqual(job, {
      status: 'COMPLETED',
      total: COUNT,
      processed: COUNT,
      failed: 0,
      differences: expected.length,
    });
    const interrupted = await differences(survivor, jobId);
    assert.deepEqual(
      interrupted.map((d) => d.event.id),
      expected,
    );
    assert.ok(
      interrupted.every(
        (d) => JSON.stringify(d.changes) === '["followUps.count","followUps.types"]' && d.live.status === 'HANDLED',
      ),
    );
    assert.deepEqual(await stored(survivor), before, 'nothing the shadow published is stored, nor any other event');

    const again = await startShadow(survivor);
    const uninterrupted = await until(
      () => readJob(survivor, again),
      (j) => j.status === 'COMPLETED',
      'an uninterrupted run',
    );
    assert.equal(uninterrupted.differences, job.differences);
    assert.deepEqual(await differences(survivor, again), interrupted);
    t.diagnostic(`differences: ${job.differences} of ${COUNT} events, across a kill`);
  });
});
