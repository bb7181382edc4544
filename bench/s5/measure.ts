import { once } from 'node:events';
import { Redis } from 'ioredis';
import type { MongoClient } from 'mongodb';
import { DEFAULT_CHANNEL } from '../../src/bus/redis/redis-event-bus.ts';
import { nowUs } from '../cluster-support/clock.ts';
import { processCpuMs, serverCommands } from '../support/cpu.ts';
import { rawMessage } from './message.ts';
import type { Load, PublishReport, ReceiveReport } from './protocol.ts';
import type { Path } from './sides.ts';

/** Commands on the MongoDB-wire server counted per event. */
const COUNTED = ['insert', 'update', 'findAndModify', 'find', 'getMore'] as const;

export interface Measured {
  pub: PublishReport;
  recv: ReceiveReport;
  /** Events received (acknowledged, for `ingest`) ÷ (last receive − first send). */
  perSecond: number;
  /** CPU ms per event of each process on the path. */
  cpu: Record<string, number>;
  /** Server commands per event (paths through the MongoDB store). */
  commands?: Record<string, number>;
}

/** Runs on open paths, with the accounting around them. */
export function createMeasure(mongo: MongoClient, redisUrl: string) {
  let run = 0;

  /** One measured run: every publish must be acknowledged and arrive exactly once, in order, or it throws. */
  async function measure(path: Path, load: Load): Promise<Measured> {
    const id = ++run;
    const before = Object.fromEntries(Object.entries(path.pids).map(([name, pid]) => [name, processCpuMs(pid)]));
    const commandsBefore = path.usesMongo ? await serverCommands(mongo.db('admin')) : undefined;
    const pub = await path.publisher.publish(id, load);
    if (pub.failed > 0) throw new Error(`${path.side}: ${pub.failed} of ${pub.sent} publishes failed: ${pub.error}`);
    // Without a subscriber (ingest) the acknowledgements are the arrivals.
    const recv: ReceiveReport = path.subscriber
      ? await path.subscriber.collect(id, pub.sent, 60_000, load.mode === 'rate')
      : {
          received: pub.sent,
          duplicates: 0,
          outOfOrder: 0,
          firstReceiveUs: pub.firstSendUs,
          lastReceiveUs: pub.lastAckUs,
          latencyUs: pub.ackUs,
          arrivedAtUs: pub.ackAtUs,
        };
    const per = (n: number) => n / Math.max(1, recv.received);
    const cpu = Object.fromEntries(
      Object.entries(path.pids).map(([name, pid]) => [name, per(processCpuMs(pid) - before[name]!)]),
    );
    let commands: Record<string, number> | undefined;
    if (commandsBefore) {
      const after = await serverCommands(mongo.db('admin'));
      commands = Object.fromEntries(
        COUNTED.map((name) => [name, per((after[name] ?? 0) - (commandsBefore[name] ?? 0))]),
      );
    }
    if (recv.received !== pub.sent || recv.duplicates || recv.outOfOrder) {
      throw new Error(
        `${path.side}: ${recv.received} of ${pub.sent} events arrived, ${recv.duplicates} duplicates, ${recv.outOfOrder} out of order`,
      );
    }
    const perSecond = recv.received / ((recv.lastReceiveUs - pub.firstSendUs) / 1e6);
    return { pub, recv, perSecond, cpu, ...(commands && { commands }) };
  }

  /** The size of the hub's own Redis message for a bench event, read off its channel, next to the raw side's message. */
  async function messageSizes(path: Path): Promise<{ hub: number; raw: number }> {
    const spy = new Redis(redisUrl);
    try {
      await spy.subscribe(DEFAULT_CHANNEL);
      const message = once(spy, 'message');
      await path.publisher.publishOne(-1_000_000, 0);
      const [, text] = (await message) as [string, string];
      return {
        hub: Buffer.byteLength(text),
        raw: Buffer.byteLength(rawMessage({ run: 1, seq: 1000, sentAt: nowUs() })),
      };
    } finally {
      spy.disconnect();
    }
  }

  return { measure, messageSizes };
}
