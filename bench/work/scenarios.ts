import { setTimeout as sleep } from 'node:timers/promises';
import { perThousand, type CommandMonitor, type WorkCounts } from './command-monitor.ts';
import { startWorkHub, WORK_KEY, WORK_TENANT, type WorkHub, type WorkHubOptions } from './side.ts';

/** What one scenario cost, per 1,000 events. */
export interface ScenarioResult {
  scenario: string;
  counts: WorkCounts;
  /** Sequential round trips per acknowledged request (publish scenarios). */
  roundTripsPerRequest?: number;
  /** Documents written before the acknowledgement, per event (publish scenarios). */
  documentsBeforeAckPerEvent?: number;
  /** Events per second through the scenario (handler line, replay, resume). */
  eventsPerSecond?: number;
}

export const EVENT_TYPE = 'work.item.made';
const QUIET = { HUB_HANDLER_POLL_MS: '600000', HUB_REPLAY_POLL_MS: '600000' };
export const PUBLISH_MANY = 'mutation($input: [PublishEventInput!]!) { publishEvents(input: $input) { status } }';
export const PUBLISH_ONE = 'mutation($input: PublishEventInput!) { publishEvent(input: $input) { status } }';

let sequence = 0;
/** One event as an integration sends it, with an idempotency key of its own (the hub claims it). */
export function workEvent() {
  const n = sequence++;
  return {
    type: EVENT_TYPE,
    source: { type: 'INTEGRATION', id: 'work-bench' },
    subject: `item/${n}`,
    payload: {
      n,
      sku: `sku-${n % 97}`,
      quantity: n % 7,
      price: 19.99,
      currency: 'EUR',
      warehouse: 'FRA-2',
      express: n % 2 === 0,
      note: 'work bench',
    },
    metadata: { idempotencyKey: `work-${process.pid}-${n}`, correlationId: `order-${n % 50}` },
  };
}

export async function graphql<T = Record<string, unknown>>(
  hub: WorkHub,
  query: string,
  variables: Record<string, unknown>,
): Promise<T> {
  const response = await fetch(`${hub.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${WORK_KEY}` },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await response.json()) as { data?: T; errors?: unknown[] };
  if (!body.data || body.errors) throw new Error(`the hub answered ${response.status}: ${JSON.stringify(body.errors)}`);
  return body.data;
}

/** Publishes `requests` requests one after another; counts per 1,000 events, round trips and documents per request window. */
async function publishing(
  monitor: CommandMonitor,
  hub: WorkHub,
  name: string,
  requests: number,
  perRequest: number,
): Promise<ScenarioResult> {
  const send = () =>
    perRequest === 1
      ? graphql(hub, PUBLISH_ONE, { input: workEvent() })
      : graphql(hub, PUBLISH_MANY, { input: Array.from({ length: perRequest }, workEvent) });
  for (let i = 0; i < 3; i++) await send(); // warm-up: code paths compiled, collections there
  await sleep(200); // the warm-up's writes after the acknowledgement (live copy) are done
  const before = monitor.snapshot();
  let roundTrips = 0;
  let documentsBeforeAck = 0;
  for (let i = 0; i < requests; i++) {
    const from = performance.now();
    await send();
    // The window ends where the hub finished its answer, not where this process read it.
    const to = monitor.answeredBetween(from, performance.now());
    roundTrips += monitor.busyPeriods(from, to);
    documentsBeforeAck += monitor.documentsBetween(from, to);
  }
  await sleep(200);
  const events = requests * perRequest;
  return {
    scenario: name,
    counts: perThousand(before, monitor.snapshot(), events),
    roundTripsPerRequest: roundTrips / requests,
    documentsBeforeAckPerEvent: documentsBeforeAck / events,
  };
}

/** Runs `fn` against a hub of `root`, stopped afterwards. */
export async function withHub<T>(root: string, options: WorkHubOptions, fn: (hub: WorkHub) => Promise<T>): Promise<T> {
  const hub = await startWorkHub(root, options);
  try {
    return await fn(hub);
  } finally {
    await hub.stop();
  }
}

/** Times `work` and counts what it asked, per 1,000 of `events`. */
export async function measured(
  monitor: CommandMonitor,
  scenario: string,
  events: number,
  work: () => Promise<void>,
): Promise<ScenarioResult> {
  const before = monitor.snapshot();
  const started = performance.now();
  await work();
  const seconds = (performance.now() - started) / 1000;
  return { scenario, counts: perThousand(before, monitor.snapshot(), events), eventsPerSecond: events / seconds };
}

export async function until(what: string, check: () => Promise<boolean>, timeoutMs = 300_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

/**
 * Every scenario on one fresh database: publishEvents in batches of 100, publishEvent one at a
 * time (both on a quiet hub with no handlers), then on the events they stored a handler line
 * catching up with a no-op handler, a HANDLERS replay of them, and a subscription resuming from
 * the start.
 */
export async function runScenarios(
  monitor: CommandMonitor,
  root: string,
  base: Omit<WorkHubOptions, 'env' | 'handlers'>,
  events: number,
): Promise<ScenarioResult[]> {
  const results: ScenarioResult[] = [];
  await withHub(root, { ...base, env: QUIET }, async (hub) => {
    results.push(await publishing(monitor, hub, 'publishEvents ×100', Math.max(1, Math.round(events / 100)), 100));
    results.push(await publishing(monitor, hub, 'publishEvent ×1', Math.max(1, Math.round(events / 5)), 1));
  });
  const stored = Math.max(1, Math.round(events / 100)) * 100 + Math.max(1, Math.round(events / 5)) + 3 * 100 + 3;
  let calls = 0;
  const noop = { name: 'work-noop', eventTypes: [EVENT_TYPE], priority: 0, handle: async () => void calls++ };
  await withHub(root, { ...base, handlers: [noop], env: { HUB_REPLAY_RATE: '1000000' } }, async (hub) => {
    results.push(
      await measured(monitor, 'handler line', stored, () =>
        until(
          'the handler line',
          async () =>
            (await hub.services.handlers.status(WORK_TENANT)).every((line) => line.lag === 0) && calls >= stored,
        ),
      ),
    );
    results.push(
      await measured(monitor, 'replay (HANDLERS)', stored, async () => {
        const { startReplay } = await graphql<{ startReplay: { id: string } }>(
          hub,
          'mutation($input: StartReplayInput!) { startReplay(input: $input) { id } }',
          {
            input: { target: 'HANDLERS', handlers: ['work-noop'], filter: { types: [EVENT_TYPE] } },
          },
        );
        await until(
          'the replay',
          async () =>
            (
              await graphql<{ replayJob: { status: string } }>(
                hub,
                'query($id: ID!) { replayJob(id: $id) { status } }',
                {
                  id: startReplay.id,
                },
              )
            ).replayJob.status === 'COMPLETED',
        );
      }),
    );
    results.push(
      await measured(monitor, 'resume from the start', stored, async () => {
        const controller = new AbortController();
        let seen = 0;
        for await (const _event of hub.services.live.subscribe({
          tenantId: WORK_TENANT,
          filter: hub.compileFilter({ types: [EVENT_TYPE] }),
          after: 0,
          signal: controller.signal,
        })) {
          if (++seen >= stored) break;
        }
      }),
    );
  });
  return results;
}
