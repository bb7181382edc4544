// Replay jobs on the embedded hub, seen through GraphQL: HANDLERS and REPUBLISH, dry runs, progress
// over graphql-ws and SSE, cancel, validation and tenant isolation.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createClient as createSseClient } from 'graphql-sse';
import type { HubHandler } from '../../src/handlers/handler.ts';
import { publishInput } from '../support/fixtures.ts';
import { type Edge, errorCodes, gql } from '../support/graphql-client.ts';
import { startTestHub, TEST_KEYS } from '../support/hub.ts';
import { allEvents } from '../support/mongo-hubs.ts';
import { subscribe, wsClient } from '../support/ws-client.ts';

interface Call {
  handler: string;
  tenantId: string;
  eventId: string;
}
const calls: Call[] = [];

const recording = (name: string, eventTypes: string[]): HubHandler => ({
  name,
  eventTypes,
  priority: 0,
  async handle(event) {
    calls.push({ handler: name, tenantId: event.tenantId, eventId: event.id });
    if (event.payload['fail'] === name) throw new Error(`${name} refuses ${String(event.payload['n'])}`);
  },
});

const JOB =
  'id status filter target handlers dryRun total processed failed cancelRequested createdAt startedAt finishedAt error';
const START = `mutation($input: StartReplayInput!) { startReplay(input: $input) { ${JOB} } }`;
const GET = `query($id: ID!) { replayJob(id: $id) { ${JOB} sample { id } } }`;
const CANCEL = `mutation($id: ID!) { cancelReplay(id: $id) { ${JOB} } }`;
const PUBLISH_MANY =
  'mutation($input: [PublishEventInput!]!) { publishEvents(input: $input) { status event { id position } } }';
const EVENT =
  'id type timestamp source { type id } subject payload position metadata { correlationId causationId idempotencyKey actor { id type } context { type id } attributes replay { jobId originalEventId } }';

/** A replay job as JOB selects it (`sample` only where the query asks for it). */
interface Job {
  id: string;
  status: string;
  filter: unknown;
  target: string;
  handlers: string[];
  dryRun: boolean;
  total: number | null;
  processed: number;
  failed: number;
  cancelRequested: boolean;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  error: string | null;
  sample: { id: string }[];
}

async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await sleep(25);
  }
}

describe('replay jobs on the embedded hub', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  before(async () => {
    hub = await startTestHub(
      { HUB_REPLAY_RATE: '20', HUB_REPLAY_POLL_MS: '100', HUB_LEASE_MS: '1000', HUB_HANDLER_POLL_MS: '100' },
      { handlers: [recording('audit', ['rp.item.*']), recording('mirror', ['rp.>'])] },
    );
  });
  after(() => hub.stop());

  /** Publishes items of `run` (payload `{ run, n }`) and waits until the live handlers have seen them. */
  const publish = async (
    run: string,
    types: string[],
    key: string = TEST_KEYS.acme,
    extra: (n: number) => Record<string, unknown> = () => ({}),
  ) => {
    const input = types.map((type, n) => {
      const more = extra(n);
      return publishInput({ type, ...more, payload: { ...(more['payload'] as object | undefined), run, n } });
    });
    const result = await gql(hub.url, PUBLISH_MANY, { input }, key);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    const ids = (result.data!['publishEvents'] as { status: string; event: { id: string } }[]).map((r) => {
      assert.equal(r.status, 'ACCEPTED');
      return r.event.id;
    });
    // Every live call of every handler has happened, so later calls are the replay's.
    const expected = ids.flatMap((id, n) => [
      ...(types[n]!.startsWith('rp.') ? [`mirror:${id}`] : []),
      ...(/^rp\.item\.[^.]+$/.test(types[n]!) ? [`audit:${id}`] : []),
    ]);
    await until(
      async () => expected.every((call) => calls.some((c) => `${c.handler}:${c.eventId}` === call)),
      Boolean,
      'live handling',
    );
    return ids;
  };
  const start = async (input: Record<string, unknown>, key: string = TEST_KEYS.acme) => {
    const result = await gql(hub.url, START, { input }, key);
    assert.equal(result.errors, undefined, JSON.stringify(result.errors));
    return result.data!['startReplay'] as Job;
  };
  const job = async (id: string, key: string = TEST_KEYS.acme) =>
    (await gql(hub.url, GET, { id }, key)).data?.['replayJob'] as Job | null;
  const final = (id: string, key: string = TEST_KEYS.acme) =>
    until(
      () => job(id, key),
      (j) => ['COMPLETED', 'FAILED', 'CANCELLED'].includes(j?.['status'] ?? ''),
      `job ${id} to end`,
    ) as Promise<Job>;
  const ofRun = (run: string) => ({ where: [{ path: 'payload.run', op: 'EQ', value: run }] });
  const systemEvents = (jobId: string, key: string = TEST_KEYS.acme) =>
    allEvents(hub.url, key, 'type source { type id } payload position', {
      types: ['system.replay.*'],
      correlationId: jobId,
    });

  it('re-runs the matching handlers on exactly the matching events, once each, in position order', async () => {
    const types = ['rp.item.made', 'rp.item.made', 'rp.order.made', 'rp.item.made', 'other.item.made', 'rp.order.made'];
    const ids = await publish('h1', types);
    await publish('h1', ['rp.item.made'], TEST_KEYS.globex);
    const mark = calls.length;
    const started = await start({
      target: 'HANDLERS',
      filter: {
        types: ['rp.>'],
        ...ofRun('h1'),
        where: [...ofRun('h1').where, { path: 'payload.n', op: 'GTE', value: 1 }],
      },
    });
    assert.equal(started.status, 'PENDING');
    assert.deepEqual(started.handlers, ['audit', 'mirror']);
    const done = await final(started['id']);
    assert.deepEqual(
      { status: done['status'], total: done['total'], processed: done['processed'], failed: done['failed'] },
      { status: 'COMPLETED', total: 4, processed: 4, failed: 0 },
    );
    assert.ok(
      done['startedAt'] && done['finishedAt'] && Date.parse(done['finishedAt']) >= Date.parse(done['startedAt']),
    );
    const replayed = calls.slice(mark);
    assert.deepEqual(
      replayed.filter((c) => c.handler === 'audit').map((c) => c.eventId),
      [ids[1], ids[3]],
    );
    assert.deepEqual(
      replayed.filter((c) => c.handler === 'mirror').map((c) => c.eventId),
      [ids[1], ids[2], ids[3], ids[5]],
    );
    assert.ok(replayed.every((c) => c.tenantId === 'acme'));

    // Named handlers only, each on the events its types match; the job counts only those events.
    const mark2 = calls.length;
    const named = await final(
      (await start({ target: 'HANDLERS', handlers: ['audit'], filter: { types: ['rp.>'], ...ofRun('h1') } }))['id'],
    );
    assert.deepEqual([named['total'], named['processed'], named['handlers']], [3, 3, ['audit']]);
    assert.deepEqual(
      calls.slice(mark2).map((c) => `${c.handler}:${c.eventId}`),
      [ids[0], ids[1], ids[3]].map((id) => `audit:${id}`),
    );
    // HANDLERS stores no new events of the run, only the job's two system events.
    assert.equal((await allEvents(hub.url, TEST_KEYS.acme, 'id', { types: ['rp.>'], ...ofRun('h1') })).length, 5);
    assert.deepEqual(
      (await systemEvents(named['id'])).map((e) => e.type),
      ['system.replay.started', 'system.replay.completed'],
    );
  });

  it('counts a failing handler run as failed without retrying it', async () => {
    const ids = await publish('h2', ['rp.item.made', 'rp.item.made'], TEST_KEYS.acme, (n) => ({
      payload: { fail: n === 0 ? 'audit' : 'none' },
    }));
    const mark = calls.length;
    const done = await final(
      (await start({ target: 'HANDLERS', filter: { types: ['rp.item.*'], ...ofRun('h2') } }))['id'],
    );
    assert.deepEqual([done['status'], done['total'], done['processed'], done['failed']], ['COMPLETED', 2, 1, 1]);
    assert.equal(calls.slice(mark).filter((c) => c.eventId === ids[0] && c.handler === 'audit').length, 1);
  });

  it('republishes one new event per original: new id, original timestamp and metadata, the replay marker', async () => {
    const metadata = (n: number) => ({
      correlationId: `corr-${n}`,
      causationId: `cause-${n}`,
      idempotencyKey: `rp-republish-${n}`,
      actor: { id: `user-${n}`, type: 'USER' },
      context: { type: 'CLIENT', id: 'client-7' },
      attributes: { origin: 'import', n },
    });
    const extra = (n: number) => ({
      timestamp: `2024-03-0${n + 1}T10:00:00.000Z`,
      subject: `order/${n}`,
      metadata: metadata(n),
      payload: {},
    });
    await publish(
      'r1',
      ['rp.order.placed', 'rp.order.placed', 'rp.order.noise', 'rp.order.placed'],
      TEST_KEYS.acme,
      extra,
    );
    const before = await allEvents(hub.url, TEST_KEYS.acme, EVENT, { types: ['rp.order.placed'], ...ofRun('r1') });
    const client = wsClient(hub.url, TEST_KEYS.acme);
    const live = subscribe(
      client,
      `subscription { events(filter: { types: ["rp.order.placed"] }) { id metadata { replay { originalEventId } } } }`,
    );
    await until(
      async () => hub.services.live.size,
      (n) => n === 1,
      'the live subscription',
    );
    const mark = calls.length;

    const done = await final(
      (await start({ target: 'REPUBLISH', filter: { types: ['rp.order.placed'], ...ofRun('r1') } }))['id'],
    );
    assert.deepEqual([done['status'], done['total'], done['processed'], done['failed']], ['COMPLETED', 3, 3, 0]);
    const after = await allEvents(hub.url, TEST_KEYS.acme, EVENT, { types: ['rp.order.placed'], ...ofRun('r1') });
    assert.equal(after.length, 6, 'one new event per original, and the replay did not chase its own output');
    const fresh = after.slice(3);
    assert.deepEqual(after.slice(0, 3), before);
    fresh.forEach((event, i) => {
      const original = before[i]!;
      assert.notEqual(event.id, original.id);
      assert.ok(Number(event.position) > Number(before.at(-1)!.position));
      const { replay, idempotencyKey, ...kept } = event.metadata;
      const { replay: none, idempotencyKey: originalKey, ...originalKept } = original.metadata;
      assert.equal(none, null);
      assert.equal(originalKey, `rp-republish-${i === 2 ? 3 : i}`);
      assert.deepEqual(replay, { jobId: done['id'], originalEventId: original.id });
      assert.equal(
        idempotencyKey,
        `replay:${done['id']}:${original.id}`,
        'the original key is replaced by one derived from job and original',
      );
      assert.deepEqual(kept, originalKept);
      assert.deepEqual(
        { ...event, id: '', position: '', metadata: null },
        { ...original, id: '', position: '', metadata: null },
        'type, timestamp, source, subject, payload kept',
      );
    });
    // Subscribers and handlers get the new events like any other.
    const received = await live.waitFor(3);
    assert.deepEqual(
      received.map((r) => r.data?.['events'].metadata.replay?.originalEventId),
      before.map((e) => e.id),
    );
    await until(
      async () => fresh.every((e) => calls.slice(mark).some((c) => c.eventId === e.id && c.handler === 'mirror')),
      Boolean,
      'handlers to see the new events',
    );
    await live.close();
    await client.dispose();

    const system = await systemEvents(done['id']);
    assert.deepEqual(
      system.map((e) => e.type),
      ['system.replay.started', 'system.replay.completed'],
    );
    assert.deepEqual(system[0]!.source, { type: 'SYSTEM', id: 'replay' });
    assert.deepEqual(
      system[0]!.payload,
      { jobId: done['id'], target: 'REPUBLISH' },
      'a job counts nothing before it starts',
    );
    assert.deepEqual(system[1]!.payload, {
      jobId: done['id'],
      target: 'REPUBLISH',
      status: 'COMPLETED',
      total: 3,
      processed: 3,
      failed: 0,
    });
    assert.ok(
      Number(system[0]!.position) < Number(fresh[0]!.position) &&
        Number(system[1]!.position) > Number(fresh[2]!.position),
    );
  });

  it('only counts and samples on a dry run: no handler call, no new event', async () => {
    const ids = await publish('d1', ['rp.item.made', 'rp.order.made', 'rp.item.made']);
    const mark = calls.length;
    for (const target of ['HANDLERS', 'REPUBLISH']) {
      const started = await start({ target, dryRun: true, filter: { types: ['rp.>'], ...ofRun('d1') } });
      assert.equal(started.dryRun, true);
      const done = await final(started['id']);
      assert.deepEqual([done['status'], done['total'], done['processed'], done['failed']], ['COMPLETED', 3, 0, 0]);
      assert.deepEqual(
        done['sample'].map((e: { id: string }) => e.id),
        ids,
      );
      assert.deepEqual(await systemEvents(done['id']), []);
    }
    await sleep(300);
    assert.equal(calls.length, mark);
    assert.equal((await allEvents(hub.url, TEST_KEYS.acme, 'id', ofRun('d1'))).length, 3);
  });

  it('reports progress on Subscription.replayJob over graphql-ws until COMPLETED, then completes', async () => {
    await publish(
      'p1',
      Array.from({ length: 30 }, () => 'rp.order.made'),
    );
    const started = await start({
      target: 'HANDLERS',
      handlers: ['mirror'],
      filter: { types: ['rp.order.made'], ...ofRun('p1') },
    });
    const client = wsClient(hub.url, TEST_KEYS.acme);
    const sub = subscribe(
      client,
      'subscription($id: ID!) { replayJob(id: $id) { id status total processed failed } }',
      { id: started['id'] },
    );
    const timeout = new AbortController();
    const ended = await Promise.race([sub.ended, sleep(10_000, { error: 'timeout' }, { signal: timeout.signal })]);
    timeout.abort();
    assert.deepEqual(ended, {});
    const seen = sub.received.map((r) => r.data?.['replayJob']);
    assert.ok(seen.length >= 3, `progress arrived: ${JSON.stringify(seen)}`);
    assert.deepEqual(seen.at(-1), { id: started['id'], status: 'COMPLETED', total: 30, processed: 30, failed: 0 });
    assert.ok(
      seen.some((j) => j.status === 'RUNNING' && j.processed > 0 && j.processed < 30),
      'an update mid-way',
    );
    for (let i = 1; i < seen.length; i++) assert.ok(seen[i].processed >= seen[i - 1].processed);
    assert.equal(new Set(seen.map((j) => JSON.stringify(j))).size, seen.length, 'only changes are sent');
    await client.dispose();
  });

  it('reports progress over SSE the same way', async () => {
    await publish(
      'p2',
      Array.from({ length: 6 }, () => 'rp.order.made'),
    );
    const started = await start({ target: 'HANDLERS', filter: { types: ['rp.order.made'], ...ofRun('p2') } });
    const client = createSseClient({
      url: `${hub.url}/graphql`,
      headers: { authorization: `Bearer ${TEST_KEYS.acme}` },
      retryAttempts: 0,
    });
    const seen: Job[] = [];
    await new Promise<void>((resolve, reject) => {
      client.subscribe(
        {
          query: 'subscription($id: ID!) { replayJob(id: $id) { status processed } }',
          variables: { id: started['id'] },
        },
        {
          next: (value) => void seen.push(value.data?.['replayJob'] as Job),
          error: reject,
          complete: resolve,
        },
      );
    });
    client.dispose();
    assert.deepEqual(seen.at(-1), { status: 'COMPLETED', processed: 6 });
  });

  it('cancels a running job within a second and keeps what it did', async () => {
    await publish(
      'c1',
      Array.from({ length: 60 }, () => 'rp.order.made'),
    );
    const started = await start({ target: 'HANDLERS', filter: { types: ['rp.order.made'], ...ofRun('c1') } });
    await until(
      () => job(started['id']),
      (j) => (j?.['processed'] ?? 0) >= 4,
      'the job under way',
    );
    const asked = Date.now();
    const response = await gql(hub.url, CANCEL, { id: started['id'] }, TEST_KEYS.acme);
    const tookMs = Date.now() - asked;
    const cancelled = response.data?.['cancelReplay'] as Job;
    assert.equal(cancelled.status, 'CANCELLED', JSON.stringify(response));
    assert.ok(tookMs < 1000, `cancel took ${tookMs} ms`);
    assert.equal(cancelled.cancelRequested, true);
    assert.ok(cancelled.processed + cancelled.failed < 60);
    await sleep(500);
    const later = await job(started['id']);
    assert.deepEqual(
      [later!['status'], later!['processed']],
      ['CANCELLED', cancelled.processed],
      'nothing ran after the cancel',
    );
    const system = await systemEvents(started['id']);
    assert.deepEqual(
      system.map((e) => [e.type, e.payload.status]),
      [
        ['system.replay.started', undefined],
        ['system.replay.completed', 'CANCELLED'],
      ],
    );
    // A final job is answered as is.
    assert.equal(
      (await gql(hub.url, CANCEL, { id: started['id'] }, TEST_KEYS.acme)).data?.['cancelReplay'].status,
      'CANCELLED',
    );
  });

  it('refuses bad input with coded errors, and a key without the replay scope', async () => {
    const bad = async (input: Record<string, unknown>, key: string = TEST_KEYS.acme) =>
      (await gql(hub.url, START, { input }, key)).errors?.[0];
    const badFilter = await bad({ target: 'REPUBLISH', filter: { types: ['Not A Type!'] } });
    assert.equal(badFilter?.extensions?.['code'], 'BAD_USER_INPUT');
    assert.deepEqual((badFilter?.extensions?.['inputPath'] as string[] | undefined)?.slice(0, 2), ['input', 'filter']);
    const unknown = await bad({ target: 'HANDLERS', handlers: ['mirror', 'nobody'], filter: {} });
    assert.deepEqual(
      [unknown?.extensions?.['code'], unknown?.extensions?.['inputPath']],
      ['BAD_USER_INPUT', ['input', 'handlers', '1']],
    );
    assert.equal(
      (await bad({ target: 'REPUBLISH', handlers: ['mirror'], filter: {} }))?.extensions?.['code'],
      'BAD_USER_INPUT',
    );
    assert.equal(
      (await bad({ target: 'REPUBLISH', filter: {} }, TEST_KEYS.acmeReadOnly))?.extensions?.['code'],
      'FORBIDDEN',
    );
    assert.deepEqual(
      errorCodes(await gql(hub.url, '{ replayJobs { edges { cursor } } }', {}, TEST_KEYS.acmeReadOnly)),
      ['FORBIDDEN'],
    );
    assert.deepEqual(
      errorCodes(await gql(hub.url, '{ replayJobs(first: 0) { edges { cursor } } }', {}, TEST_KEYS.acme)),
      ['BAD_USER_INPUT'],
    );
    // Clients cannot forge the replay marker: the public input has no `replay`.
    const forged = await gql(
      hub.url,
      PUBLISH_MANY,
      { input: [publishInput({ type: 'rp.forged.made', metadata: { replay: { jobId: 'x', originalEventId: 'y' } } })] },
      TEST_KEYS.acme,
    );
    assert.deepEqual(errorCodes(forged), ['BAD_USER_INPUT']);
    assert.equal((await allEvents(hub.url, TEST_KEYS.acme, 'id', { types: ['rp.forged.made'] })).length, 0);
  });

  it('lists the caller’s jobs newest first, page by page', async () => {
    const page = async (after: string | null) =>
      (
        await gql(
          hub.url,
          'query($after: String) { replayJobs(first: 3, after: $after) { edges { cursor node { id createdAt } } pageInfo { hasNextPage endCursor } } }',
          { after },
          TEST_KEYS.acme,
        )
      ).data?.['replayJobs'];
    const ids: string[] = [];
    for (let after: string | null = null; ; ) {
      const current = await page(after);
      ids.push(...current.edges.map((e: { node: { id: string } }) => e.node.id));
      if (!current.pageInfo.hasNextPage) break;
      after = current.pageInfo.endCursor;
    }
    assert.ok(ids.length >= 8);
    assert.deepEqual(ids, [...ids].sort().reverse());
  });

  it('keeps tenants apart: another tenant cannot see, cancel, watch or replay over your jobs and events', async () => {
    const acmeIds = await publish('t1', ['rp.item.made', 'rp.item.made']);
    const globexIds = await publish('t1', ['rp.item.made'], TEST_KEYS.globex);
    const acmeJob = await final((await start({ target: 'REPUBLISH', dryRun: true, filter: ofRun('t1') }))['id']);
    assert.equal(acmeJob['total'], 2);

    assert.equal(await job(acmeJob['id'], TEST_KEYS.globex), null);
    assert.ok(
      !(await gql(hub.url, '{ replayJobs(first: 100) { edges { node { id } } } }', {}, TEST_KEYS.globex)).data?.[
        'replayJobs'
      ].edges.some((e: Edge<{ id: string }>) => e.node.id === acmeJob['id']),
    );
    const cancel = await gql(hub.url, CANCEL, { id: acmeJob['id'] }, TEST_KEYS.globex);
    assert.deepEqual(errorCodes(cancel), ['NOT_FOUND']);
    assert.doesNotMatch(JSON.stringify(cancel), /acme|t1/);
    const client = wsClient(hub.url, TEST_KEYS.globex);
    const sub = subscribe(client, 'subscription($id: ID!) { replayJob(id: $id) { id status } }', { id: acmeJob['id'] });
    await sub.ended;
    assert.deepEqual(
      sub.received.map((r) => r.errors?.[0]?.extensions?.['code']),
      ['NOT_FOUND'],
    );
    await client.dispose();

    // globex's widest filter only ever sees globex's events.
    const mark = calls.length;
    const everything = await final(
      (await start({ target: 'REPUBLISH', filter: ofRun('t1') }, TEST_KEYS.globex))['id'],
      TEST_KEYS.globex,
    );
    assert.deepEqual([everything['total'], everything['processed']], [1, 1]);
    const republished = await allEvents(
      hub.url,
      TEST_KEYS.globex,
      'metadata { replay { originalEventId } }',
      ofRun('t1'),
    );
    assert.deepEqual(
      republished.flatMap((e) => (e.metadata.replay ? [e.metadata.replay.originalEventId] : [])),
      globexIds,
    );
    assert.equal((await allEvents(hub.url, TEST_KEYS.acme, 'id', ofRun('t1'))).length, acmeIds.length);
    await sleep(200);
    assert.ok(calls.slice(mark).every((c) => c.tenantId === 'globex'));
  });
});
