// What only the Redis bus has: one channel subscription per instance, and life across a Redis
// outage. Outages happen on a redis-server this file starts for itself, never the shared one.
import assert from 'node:assert/strict';
import { describe, it, type TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import type { EventBus } from '../../src/bus/event-bus.ts';
import { createRedisEventBus, type RedisEventBus, type RedisEventBusOptions } from '../../src/bus/redis/index.ts';
import { closeConnection, openConnection } from '../../src/bus/redis/redis-connection.ts';
import { isHubError } from '../../src/errors.ts';
import type { HubEvent } from '../../src/events/event.ts';
import { createLogger } from '../../src/logger.ts';
import { pendingEvent } from '../support/fixtures.ts';
import { freePort, ownRedis } from '../support/own-redis.ts';
import { testRedis, uniqueName } from '../support/servers.ts';

let nextPosition = 1;
const storedEvent = (): HubEvent => ({ ...pendingEvent(), position: nextPosition++ });
const isUnavailable = (error: unknown) => isHubError(error) && error.code === 'UNAVAILABLE';

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) assert.fail(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(10);
  }
}

/** Runs `promise` and returns how long it took to reject; fails if it resolves. */
async function rejectionTime(promise: Promise<unknown>): Promise<number> {
  const started = performance.now();
  await assert.rejects(promise, isUnavailable);
  return performance.now() - started;
}

/** Log lines as objects, for checking what the bus said. */
function capturedLog() {
  const lines: { msg: string; connection?: string }[] = [];
  const log = createLogger('debug', { write: (line: string) => void lines.push(JSON.parse(line)) });
  return { log, lines: () => lines, messages: () => lines.map((line) => line.msg) };
}

async function openBus(
  t: TestContext,
  options: Partial<RedisEventBusOptions> & { url: string; channel: string },
): Promise<RedisEventBus> {
  const bus = await createRedisEventBus({ log: createLogger('silent'), maxReconnectDelayMs: 100, ...options });
  t.after(() => bus.close());
  return bus;
}

async function listen(bus: EventBus): Promise<HubEvent[]> {
  const events: HubEvent[] = [];
  await bus.subscribe((event) => void events.push(event));
  return events;
}

describe('Redis event bus on a real Redis', () => {
  it('holds one channel subscription per instance, however many listeners it has', async (t) => {
    const redis = await testRedis(t);
    const channel = `${redis.keyPrefix}events`;
    const numsub = async () => (await redis.redis.pubsub('NUMSUB', channel))[1];
    const [a, b] = [await openBus(t, { url: redis.url, channel }), await openBus(t, { url: redis.url, channel })];
    const inboxes = await Promise.all(Array.from({ length: 100 }, (_, i) => listen(i % 2 ? b : a)));
    const subscriptionsOfA = await Promise.all(Array.from({ length: 3 }, () => a.subscribe(() => {})));
    assert.equal(await numsub(), 2);

    const event = storedEvent();
    assert.equal(
      await redis.redis.publish(channel, JSON.stringify(event)),
      2,
      'Redis hands each message to 2 connections',
    );
    await until(() => inboxes.every((inbox) => inbox.length === 1), 'the event on all 100 listeners');
    assert.deepEqual(inboxes[0], [event]);

    // The channel is left when the last listener of an instance goes.
    const quiet = await openBus(t, { url: redis.url, channel });
    const only = await quiet.subscribe(() => {});
    assert.equal(await numsub(), 3);
    await only.close();
    await until(async () => (await numsub()) === 2, 'the third instance to leave the channel');
    await Promise.all(subscriptionsOfA.map((subscription) => subscription.close()));
    assert.equal(await numsub(), 2, 'instance A still has its 50 other listeners');
  });

  it('resolves subscribe only once Redis has confirmed the channel subscription', async (t) => {
    const server = await ownRedis(t);
    const channel = uniqueName();
    const bus = await openBus(t, { url: server.url, channel, commandTimeoutMs: 5000 });
    const peer = await openBus(t, { url: server.url, channel });
    server.freeze(true); // the SUBSCRIBE reaches Redis but is not answered
    let settled = false;
    const events: HubEvent[] = [];
    const subscribing = bus.subscribe((event) => void events.push(event)).finally(() => (settled = true));
    await sleep(300);
    assert.equal(settled, false, 'subscribe resolved before Redis answered');
    server.freeze(false);
    await subscribing;
    const event = storedEvent();
    await peer.publish(event);
    await until(() => events.length === 1, 'the first event after subscribe resolved');
  });

  it('sends the PUBLISHes of one tick in one pipeline, in order (a batch of events is one write)', async (t) => {
    const redis = await testRedis(t);
    const channel = `${redis.keyPrefix}pipelined`;
    const received: string[] = [];
    const listener = new Redis(redis.url);
    t.after(() => listener.disconnect());
    listener.on('message', (_channel: string, message: string) => void received.push(message));
    await listener.subscribe(channel);
    const connection = openConnection({
      url: redis.url,
      role: 'publish',
      commandTimeoutMs: 5000,
      maxReconnectDelayMs: 100,
      log: createLogger('silent'),
      isClosing: () => false,
    });
    t.after(() => closeConnection(connection));
    await connection.connect();

    const messages = Array.from({ length: 50 }, (_, i) => `m${i}`);
    const published = messages.map((message) => connection.publish(channel, message));
    assert.equal(connection.autoPipelineQueueSize, 50, 'the 50 commands wait for one pipeline');
    assert.deepEqual(
      await Promise.all(published),
      messages.map(() => 1),
    );
    await until(() => received.length === 50, 'the 50 messages');
    assert.deepEqual(received, messages);
  });

  it('drops a message it cannot decode, logs it, and keeps delivering', async (t) => {
    const redis = await testRedis(t);
    const channel = `${redis.keyPrefix}events`;
    const { log, messages } = capturedLog();
    const bus = await openBus(t, { url: redis.url, channel, log });
    const inbox = await listen(bus);
    await redis.redis.publish(channel, 'not json');
    const event = storedEvent();
    await bus.publish(event);
    await until(() => inbox.length === 1, 'the valid event');
    assert.deepEqual(inbox, [event]);
    assert.ok(messages().includes('undecodable bus message dropped'));
  });

  it('rejects at start, with UNAVAILABLE, when Redis cannot be reached', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    assert.ok((await rejectionTime(createRedisEventBus({ url, log: createLogger('silent') }))) < 1000);
  });

  it('rejects ping, publish and a new subscribe at once while Redis is down', async (t) => {
    const server = await ownRedis(t);
    const { log, lines } = capturedLog();
    const bus = await openBus(t, { url: server.url, channel: uniqueName(), log });
    await listen(bus);
    await server.crash();
    const started = performance.now();
    // Until the client sees the socket close, a subscribe may still resolve: that gap is what onReconnect covers.
    const lost = (connection: string) =>
      lines().some((line) => line.msg === 'redis connection lost; reconnecting' && line.connection === connection);
    await until(() => lost('publish') && lost('subscribe'), 'the bus to notice', 1000);
    const outcomes = await Promise.allSettled([bus.ping(), bus.publish(storedEvent()), bus.subscribe(() => {})]);
    const ms = performance.now() - started;
    assert.ok(ms < 1000, `settled ${ms.toFixed(0)} ms after the crash`);
    assert.deepEqual(
      outcomes.map((outcome) => outcome.status === 'rejected' && isUnavailable(outcome.reason)),
      [true, true, true],
    );
  });

  it('rejects ping and publish after the command timeout while Redis hangs', async (t) => {
    const server = await ownRedis(t);
    const bus = await openBus(t, { url: server.url, channel: uniqueName(), commandTimeoutMs: 1000 });
    server.freeze(true);
    t.after(() => server.freeze(false));
    const [pingMs, publishMs] = await Promise.all([
      rejectionTime(bus.ping()),
      rejectionTime(bus.publish(storedEvent())),
    ]);
    for (const ms of [pingMs, publishMs]) assert.ok(ms >= 900 && ms < 1800, `rejected after ${ms.toFixed(0)} ms`);
  });

  it('re-subscribes after a Redis restart, delivers again to the same listeners, and says so', async (t) => {
    const server = await ownRedis(t);
    const channel = uniqueName();
    const { log, messages } = capturedLog();
    const publisher = await openBus(t, { url: server.url, channel });
    const listener = await openBus(t, { url: server.url, channel, log });
    let reconnects = 0;
    listener.onReconnect(() => reconnects++);
    const inbox = await listen(listener);
    const before = storedEvent();
    await publisher.publish(before);
    await until(() => inbox.length === 1, 'the event before the restart');

    await server.crash();
    await assert.rejects(publisher.publish(storedEvent()), isUnavailable); // lost: readers take it from the store
    await sleep(300); // a few reconnect attempts against a closed port
    assert.equal(reconnects, 0);
    await server.restart();

    await until(() => reconnects === 1, 'onReconnect on the listening instance');
    await until(
      () =>
        publisher.ping().then(
          () => true,
          () => false,
        ),
      'the publishing instance to reconnect',
    );
    const check = new Redis(server.url);
    t.after(() => check.disconnect());
    assert.deepEqual(await check.pubsub('NUMSUB', channel), [channel, 1]);
    const after = storedEvent();
    await publisher.publish(after);
    await until(() => inbox.length === 2, 'the event after the restart');
    assert.deepEqual(inbox, [before, after]);
    assert.equal(reconnects, 1);
    const said = messages();
    assert.ok(said.includes('redis connection lost; reconnecting'), said.join('\n'));
    assert.ok(said.includes('redis connection restored'));
    assert.ok(said.includes('redis event bus live again; events published meanwhile come from the store'));
  });
});
