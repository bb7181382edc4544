import { setTimeout as sleep } from 'node:timers/promises';
import type { CommandMonitor } from './command-monitor.ts';
import {
  EVENT_TYPE,
  graphql,
  measured,
  PUBLISH_MANY,
  PUBLISH_ONE,
  type ScenarioResult,
  until,
  withHub,
  workEvent,
} from './scenarios.ts';
import { WORK_TENANT, type WorkHub, type WorkHubOptions } from './side.ts';

/** Short polls, so that a scenario of a few seconds holds many of them (and a full check, every 10th). */
const POLL_MS = 100;
const POLLING = { HUB_HANDLER_POLL_MS: String(POLL_MS), HUB_REPLAY_POLL_MS: '600000' };
/** A handler none of the bench's traffic matches: what read avoidance is for. */
const unmatched = { name: 'work-unmatched', eventTypes: ['work.other.made'], priority: 0, handle: async () => {} };

async function publishBatches(hub: WorkHub, events: number, size: number): Promise<void> {
  for (let sent = 0; sent < events; sent += size)
    await graphql(hub, PUBLISH_MANY, { input: Array.from({ length: Math.min(size, events - sent) }, workEvent) });
}

async function caughtUp(hub: WorkHub): Promise<boolean> {
  return (await hub.services.handlers.status(WORK_TENANT)).every((line) => line.lag === 0);
}

/**
 * The scenarios that count what the FerretDB-era mechanisms save (docs/ARCHITECTURE.md, "What each
 * mechanism costs and saves"); run them against a `--baseline` checkout with a mechanism replaced by
 * its simple version to see the difference:
 *
 * - a handler line whose handler matches none of a busy tenant's traffic (read avoidance: `busShown`,
 *   `hints`), publishing in batches of 10 with polls every 100 ms, until the line has caught up;
 * - an idle tenant: the same hub, ten seconds of nothing (counts per 10 s, not per 1,000 events);
 * - a live subscriber while 10 publishEvent requests are in flight at once, so the bus shows
 *   positions out of order (the sequencer's grace).
 */
export async function runMechanismScenarios(
  monitor: CommandMonitor,
  root: string,
  base: Omit<WorkHubOptions, 'env' | 'handlers'>,
  events: number,
): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  await withHub(root, { ...base, handlers: [unmatched], env: POLLING }, async (hub) => {
    await publishBatches(hub, 10, 10); // warm-up: collections and the line's checkpoint exist
    await until('the warm-up', () => caughtUp(hub));
    results.push(
      await measured(monitor, 'handler line, unmatched traffic', events, async () => {
        await publishBatches(hub, events, 10);
        await until('the unmatched line', () => caughtUp(hub));
        await sleep(10 * POLL_MS); // a full check after the last publish: the checkpoint reaches the head
      }),
    );
    results.push(await measured(monitor, 'idle tenant, per 10 s', 1000, () => sleep(10_000)));
  });
  await withHub(root, { ...base, env: POLLING }, async (hub) => {
    await publishBatches(hub, 10, 10);
    results.push(
      await measured(monitor, 'live subscriber, 10 publishes in flight', events, async () => {
        const controller = new AbortController();
        const received = (async () => {
          let seen = 0;
          for await (const _event of hub.services.live.subscribe({
            tenantId: WORK_TENANT,
            filter: hub.compileFilter({ types: [EVENT_TYPE] }),
            signal: controller.signal,
          })) {
            if (++seen >= events) break;
          }
        })();
        await sleep(200); // the subscription is live (it subscribes before it answers)
        let next = 0;
        const publisher = async () => {
          while (next++ < events) await graphql(hub, PUBLISH_ONE, { input: workEvent() });
        };
        await Promise.all(Array.from({ length: 10 }, publisher));
        await received;
      }),
    );
  });
  return results;
}
