import { Agent, request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { Redis } from 'ioredis';
import { nowUs } from '../cluster-support/clock.ts';
import { PUBLISH_QUERY, REQUEST_HEADERS } from '../cluster-support/workload.ts';
import { hubInput, rawMessage, type Stamp } from './message.ts';
import type { Load, PublishReport, Target } from './protocol.ts';

/** Sends one stamped event and resolves once it is acknowledged; rejects when it is not. */
type Send = (stamp: Stamp) => Promise<void>;

/** The publishing end: `publishEvent` over HTTP keep-alive to a hub, or PUBLISH on Redis. */
export function createPublisher() {
  let send: Send | null = null;
  let close: () => Promise<void> = async () => {};

  function connectHub(baseUrl: string): void {
    const url = new URL('/graphql', baseUrl);
    const agent = new Agent({ keepAlive: true, maxSockets: 256 });
    send = (stamp) =>
      new Promise<void>((resolve, reject) => {
        const body = JSON.stringify({ query: PUBLISH_QUERY, variables: { input: hubInput(stamp) } });
        const req = request(
          url,
          { method: 'POST', agent, headers: { ...REQUEST_HEADERS, 'content-length': Buffer.byteLength(body) } },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (text += chunk));
            res.on('end', () => {
              if (res.statusCode === 200 && text.includes('"status":"ACCEPTED"')) resolve();
              else reject(new Error(`the hub answered ${res.statusCode}: ${text.slice(0, 300)}`));
            });
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    close = async () => agent.destroy();
  }

  function connectRedis(redisUrl: string, channel: string): Promise<void> {
    const redis = new Redis(redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    send = async (stamp) => {
      await redis.publish(channel, rawMessage(stamp));
    };
    close = async () => void (await redis.quit());
    return redis.connect();
  }

  async function publish(run: number, load: Load): Promise<PublishReport> {
    if (!send) throw new Error('publisher not connected');
    const report: PublishReport = {
      sent: 0,
      failed: 0,
      firstSendUs: 0,
      lastSendUs: 0,
      lastAckUs: 0,
      ackUs: [],
      ackAtUs: [],
      late: 0,
    };
    const one = async (seq: number, recordAck: boolean) => {
      const sentAt = nowUs();
      if (report.sent++ === 0) report.firstSendUs = sentAt;
      report.lastSendUs = sentAt;
      try {
        await send!({ run, seq, sentAt });
        report.lastAckUs = nowUs();
        if (recordAck) {
          report.ackUs.push(report.lastAckUs - sentAt);
          report.ackAtUs[seq] = report.lastAckUs;
        }
      } catch (error) {
        report.failed += 1;
        report.error ??= error instanceof Error ? error.message : String(error);
      }
    };

    if (load.mode === 'max') {
      const deadline = nowUs() + load.seconds * 1e6;
      let next = 0;
      const worker = async () => {
        while (nowUs() < deadline) await one(next++, false);
      };
      await Promise.all(Array.from({ length: load.concurrency }, worker));
      return report;
    }

    // Open loop: each send leaves at its planned time, however long earlier ones take to be answered.
    const interval = 1e6 / load.perSecond;
    const total = Math.round(load.seconds * load.perSecond);
    const inFlight: Promise<void>[] = [];
    const start = nowUs();
    for (let seq = 0; seq < total; seq++) {
      const due = start + seq * interval;
      const wait = due - nowUs();
      // Timers are 1 ms coarse: a send leaves up to ~1 ms early or late; its stamp is taken when it leaves.
      if (wait >= 1000) await sleep(Math.round(wait / 1000));
      if (nowUs() - due > 2000) report.late += 1;
      inFlight.push(one(seq, true));
    }
    await Promise.all(inFlight);
    return report;
  }

  return {
    async connect(target: Target) {
      await close();
      if ('hub' in target) connectHub(target.hub);
      else await connectRedis(target.redis, target.channel);
    },
    async disconnect() {
      await close();
      send = null;
      close = async () => {};
    },
    async publishOne(run: number, seq: number) {
      if (!send) throw new Error('publisher not connected');
      await send({ run, seq, sentAt: nowUs() });
    },
    publish,
  };
}
