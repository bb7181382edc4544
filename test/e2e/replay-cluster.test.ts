// Replay jobs black-box (issue 6): hub processes on the MongoDB-wire server and a Redis of this
// file's own, with the recording handlers of test/fixtures/recording-handlers.ts. The process
// running a job is killed with SIGKILL mid-replay; another one takes the job over, and no event is
// processed twice.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { publishInput } from '../support/fixtures.ts';
import { gql } from '../support/graphql-client.ts';
import { TEST_KEYS, type HubProcess } from '../support/hub.ts';
import { allEvents, killHard, mongoHubs } from '../support/mongo-hubs.ts';
import { ownRedis } from '../support/own-redis.ts';
import { recorder } from '../support/recorder.ts';
const PUBLISH_MANY = 'mutation($input: [PublishEventInput!]!) { publishEvents(input: $input) { status event { id } } }';
const START = 'mutation($input: StartReplayInput!) { startReplay(input: $input) { id status } }';
const JOB = 'query($id: ID!) { replayJob(id: $id) { id status total processed failed error } }';
const COUNT = 30;

interface Job {
  id: string;
  status: string;
  total: number | null;
  processed: number;
  failed: number;
  error: string | null;
}

async function cluster(t: TestContext, size: number) {
  const { env: recording, calls } = recorder(t);
  const redis = await ownRedis(t);
  const hubs = await mongoHubs(t, {
    REDIS_URL: redis.url,
    ...recording,
    // Handler lines wake on the bus; idle polling by three processes only slows FerretDB down.
    HUB_HANDLER_POLL_MS: '1000',
    HUB_LEASE_MS: '1500',
    HUB_REPLAY_RATE: '10',
    HUB_REPLAY_POLL_MS: '500',
  });
  // One at a time: three starting together on a busy two-core machine can outrun spawnHub's 20 s.
  const started: HubProcess[] = [];
  for (let i = 0; i < size; i++) started.push(await hubs.start());
  return { hubs: started, calls };
}

async function until<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  what: string,
  timeoutMs = 45_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await sleep(100);
  }
}

/** Publishes `count` events of `type` (payload `n` and `extra`), 10 per call; answers their ids. */
async function publish(
  hub: HubProcess,
  type: string,
  count: number,
  key: string = TEST_KEYS.acme,
  extra: Record<string, unknown> = {},
): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 10) {
    const input = Array.from({ length: Math.min(10, count - i) }, (_, j) =>
      publishInput({ type, payload: { n: i + j, ...extra } }),
    );
    const result = await gql(hub.url, PUBLISH_MANY, { input }, key);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    for (const item of result.data!['publishEvents']) ids.push(item.event.id);
  }
  return ids;
}

async function startReplay(hub: HubProcess, input: Record<string, unknown>): Promise<string> {
  const result = await gql(hub.url, START, { input }, TEST_KEYS.acme);
  assert.equal(result.errors, undefined, JSON.stringify(result.errors));
  return result.data!['startReplay'].id as string;
}

const readJob = async (hub: HubProcess, id: string) =>
  (await gql(hub.url, JOB, { id }, TEST_KEYS.acme)).data?.['replayJob'] as Job;

/** The processes whose log says they took the job, in the order they say it. */
function takers(hubs: readonly HubProcess[], jobId: string): { hub: HubProcess; epoch: number }[] {
  return hubs
    .flatMap((hub) =>
      hub
        .output()
        .split('\n')
        .filter((line) => line.includes('"replay job taken"') && line.includes(jobId))
        .map((line) => ({ hub, epoch: (JSON.parse(line) as { epoch: number }).epoch })),
    )
    .sort((a, b) => a.epoch - b.epoch);
}

/** Waits until the job is under way, then kills the process running it; answers the survivors. */
async function killRunnerMidway(hubs: HubProcess[], jobId: string): Promise<HubProcess[]> {
  await until(
    () => readJob(hubs[0]!, jobId),
    (job) => job.processed + job.failed >= 5,
    'the job under way',
  );
  const [runner] = takers(hubs, jobId);
  assert.ok(runner, 'a process took the job');
  await killHard(runner.hub);
  return hubs.filter((hub) => hub !== runner.hub);
}

describe('replay jobs across hub processes (MongoDB-wire + Redis)', () => {
  it('REPUBLISH: a job whose process is killed mid-replay resumes elsewhere with exactly one new event per original', {
    timeout: 120_000,
  }, async (t) => {
    const { hubs } = await cluster(t, 3);
    const originals = await publish(hubs[1]!, 'rep.item.made', COUNT);
    await publish(hubs[2]!, 'rep.item.made', 3, TEST_KEYS.globex);
    const jobId = await startReplay(hubs[0]!, { target: 'REPUBLISH', filter: { types: ['rep.>'] } });
    const survivors = await killRunnerMidway(hubs, jobId);

    const job = await until(
      () => readJob(survivors[0]!, jobId),
      (j) => j.status !== 'PENDING' && j.status !== 'RUNNING',
      'the job to end',
    );
    assert.deepEqual(job, { id: jobId, status: 'COMPLETED', total: COUNT, processed: COUNT, failed: 0, error: null });
    assert.ok(takers(survivors, jobId).length >= 1, 'a surviving process took the job over');

    const events = await allEvents<{
      id: string;
      metadata: { replay: { jobId: string; originalEventId: string } | null };
    }>(survivors[0]!.url, TEST_KEYS.acme, 'id metadata { replay { jobId originalEventId } }', { types: ['rep.>'] });
    const copies = events.filter((e) => e.metadata.replay);
    assert.deepEqual(
      copies.map((e) => e.metadata.replay!.originalEventId).sort(),
      [...originals].sort(),
      'one new event per original',
    );
    assert.ok(copies.every((e) => e.metadata.replay!.jobId === jobId && !originals.includes(e.id)));
    assert.equal(events.length, 2 * COUNT);
    const system = await allEvents(survivors[0]!.url, TEST_KEYS.acme, 'type payload', {
      types: ['system.replay.*'],
      correlationId: jobId,
    });
    assert.deepEqual(
      system.map((e) => e.type),
      ['system.replay.started', 'system.replay.completed'],
      'each once, across the takeover',
    );
    assert.equal(
      (await allEvents(survivors[0]!.url, TEST_KEYS.globex, 'id', { types: ['rep.>'] })).length,
      3,
      "another tenant's events untouched",
    );
  });

  it('HANDLERS: after a kill mid-replay, each (event, handler) ran at most once, and every one ran or counts as failed', {
    timeout: 120_000,
  }, async (t) => {
    const { hubs, calls } = await cluster(t, 2);
    // Slow runs (the recorder records, then sleeps), so the kill most likely lands in the middle of one.
    const count = 20;
    const originals = await publish(hubs[1]!, 'job.replay.run', count, TEST_KEYS.acme, { slowMs: 200 });
    await until(
      () => new Set(calls().map((c) => c.eventId)).size,
      (n) => n === count,
      'live handling of every event',
    );
    const mark = calls().length;
    const jobId = await startReplay(hubs[0]!, {
      target: 'HANDLERS',
      handlers: ['recorder'],
      filter: { types: ['job.replay.*'] },
    });
    const survivors = await killRunnerMidway(hubs, jobId);

    const job = await until(
      () => readJob(survivors[0]!, jobId),
      (j) => j.status !== 'PENDING' && j.status !== 'RUNNING',
      'the job to end',
    );
    assert.equal(job.status, 'COMPLETED', JSON.stringify(job));
    assert.equal(job.total, count);
    assert.equal(job.processed + job.failed, count, 'every event dealt with once');
    const replayed = calls().slice(mark);
    const ran = replayed.map((c) => c.eventId);
    assert.equal(new Set(ran).size, ran.length, `an event ran twice: ${JSON.stringify(replayed)}`);
    assert.ok(
      ran.every((id) => originals.includes(id)) &&
        replayed.every((c) => c.handler === 'recorder' && c.tenantId === 'acme'),
    );
    const missing = originals.filter((id) => !ran.includes(id));
    assert.ok(
      missing.length <= job.failed,
      `${missing.length} events never ran but only ${job.failed} count as failed`,
    );
    assert.ok(job.failed <= 1, `at most the run in hand when the process died fails; got ${job.failed}`);
    assert.ok(takers(survivors, jobId).length >= 1, 'a surviving process took the job over');
    t.diagnostic(`replay runs recorded: ${ran.length} of ${count}; counted failed: ${job.failed}`);
  });

  it('cancels from another process within a second', { timeout: 90_000 }, async (t) => {
    const { hubs } = await cluster(t, 2);
    await publish(hubs[0]!, 'can.item.made', 40);
    const jobId = await startReplay(hubs[0]!, { target: 'REPUBLISH', filter: { types: ['can.>'] } });
    await until(
      () => readJob(hubs[0]!, jobId),
      (job) => job.processed >= 3,
      'the job under way',
    );
    const runner = takers(hubs, jobId)[0]!.hub;
    const other = hubs.find((hub) => hub !== runner)!;
    const asked = Date.now();
    const response = await gql(
      other.url,
      'mutation($id: ID!) { cancelReplay(id: $id) { status processed } }',
      { id: jobId },
      TEST_KEYS.acme,
    );
    const tookMs = Date.now() - asked;
    assert.equal(response.data?.['cancelReplay'].status, 'CANCELLED', JSON.stringify(response));
    assert.ok(tookMs < 1500, `cancel took ${tookMs} ms`);
    t.diagnostic(`cancel answered CANCELLED after ${tookMs} ms`);
    const processed = response.data!['cancelReplay'].processed as number;
    await sleep(1000);
    assert.equal((await readJob(runner, jobId)).processed, processed, 'nothing processed after the cancel');
    const copies = await allEvents(runner.url, TEST_KEYS.acme, 'id', {
      types: ['can.>'],
      where: [{ path: 'metadata.replay.jobId', op: 'EQ', value: jobId }],
    });
    assert.equal(copies.length, processed);
  });
});
