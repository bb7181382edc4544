import { createSourceEventStream, execute, parse, subscribe, type ExecutionResult } from 'graphql';
import { parseArgs } from 'node:util';
import { schema } from '../../schema/index.ts';
import { Scope } from '../../src/config.ts';
import { compileFilter } from '../../src/filter/index.ts';
import type { HubContext } from '../../src/server/context.ts';
import { startEmbeddedHub } from '../live-support/embedded-hub.ts';
import { EVENT_INPUT, LIVE_TENANT, SUBSCRIPTION_QUERY } from '../live-support/workload.ts';
import { STREAM_VARIABLES } from './workload.ts';

/**
 * Where S3's per-frame cost goes, in one process and without sockets: N
 * subscribers of one stream, consumed as graphql-ws consumes them, layer by
 * layer. CPU per delivered event per subscriber for:
 *
 * - `live`: the hub's live subscriptions alone (`services.live.subscribe`);
 * - `live-json`: the same, plus one JSON.stringify of the event per subscriber;
 * - `graphql`: graphql-js `subscribe` per subscriber (what graphql-ws runs,
 *   minus Yoga's envelop and the socket) and a JSON.stringify of each result;
 * - `shared`: the same source streams, but the selection executed once per
 *   event and document (memoized per event object), stringified per subscriber.
 *
 *   node --import tsx bench/s3/layers.ts [--subscribers 5000] [--events 40]
 */
const { values: args } = parseArgs({
  options: {
    subscribers: { type: 'string', default: '5000' },
    events: { type: 'string', default: '40' },
    modes: { type: 'string', default: 'live,live-json,graphql,shared' },
  },
});
const N = Number(args.subscribers);
const E = Number(args.events);
type Mode = 'live' | 'live-json' | 'graphql' | 'shared';

async function measure(mode: Mode): Promise<{ cpu: number; heapMB: number }> {
  const hub = await startEmbeddedHub();
  const { services } = hub.app;
  const contextValue: HubContext = {
    services,
    principal: { tenantId: LIVE_TENANT, scopes: new Set([Scope.SUBSCRIBE]), keyName: 'layers', keyId: 'layers' },
    requestId: 'layers',
  };
  const document = parse(SUBSCRIPTION_QUERY);
  const shared = new WeakMap<object, ExecutionResult>();
  let received = 0;
  let bytes = 0;
  let failure: unknown = null;

  const consume = (stream: AsyncIterable<unknown>, serialize: boolean) =>
    void (async () => {
      for await (const item of stream) {
        received += 1;
        if (serialize) bytes += JSON.stringify({ id: '1', type: 'next', payload: item }).length;
      }
    })().catch((error: unknown) => (failure = error));
  /** Executes once per event object: dispatch hands the same object to every subscription. Synchronous, so the first subscriber fills it before the others look. */
  async function* sharedResults(source: AsyncIterable<unknown>): AsyncGenerator<ExecutionResult> {
    for await (const event of source) {
      let result = shared.get(event as object);
      if (!result) {
        result = execute({
          schema,
          document,
          rootValue: event,
          variableValues: STREAM_VARIABLES,
          contextValue,
        }) as ExecutionResult;
        shared.set(event as object, result);
      }
      yield result;
    }
  }

  for (let i = 0; i < N; i++) {
    if (mode === 'live' || mode === 'live-json') {
      consume(
        services.live.subscribe({ tenantId: LIVE_TENANT, filter: compileFilter(STREAM_VARIABLES.filter) }),
        mode === 'live-json',
      );
    } else if (mode === 'graphql') {
      consume(
        (await subscribe({
          schema,
          document,
          variableValues: STREAM_VARIABLES,
          contextValue,
        })) as AsyncIterable<ExecutionResult>,
        true,
      );
    } else {
      const source = (await createSourceEventStream({
        schema,
        document,
        variableValues: STREAM_VARIABLES,
        contextValue,
      })) as AsyncIterable<unknown>;
      consume(sharedResults(source), true);
    }
  }
  const publish = async () => {
    const [result] = await services.ingest.publish(LIVE_TENANT, [EVENT_INPUT]);
    if (result?.status !== 'ACCEPTED') throw new Error(`publish answered ${result?.status}`);
  };
  const delivered = async (frames: number) => {
    while (received < frames) {
      if (failure) throw failure;
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  for (let i = 0; i < 5; i++) await publish(); // warm-up
  await delivered(5 * N);
  received = 0;
  const before = process.cpuUsage();
  for (let i = 0; i < E; i++) {
    await publish();
    await delivered((i - 3) * N); // at most 4 events on their way, as S3's window
  }
  await delivered(E * N);
  const cpu = process.cpuUsage(before);
  const heapMB = process.memoryUsage().heapUsed / 1e6;
  await hub.close();
  if (mode !== 'live' && bytes === 0) throw new Error('nothing serialized');
  return { cpu: (cpu.user + cpu.system) / (E * N), heapMB };
}

process.stdout.write(
  `S3 layers: ${N} subscribers, ${E} events, in one process, no sockets\n\n| layer | CPU µs per frame | heap MB at the end |\n|---|---:|---:|\n`,
);
for (const mode of args.modes.split(',') as Mode[]) {
  const { cpu, heapMB } = await measure(mode);
  process.stdout.write(`| ${mode} | ${cpu.toFixed(1)} | ${heapMB.toFixed(0)} |\n`);
}
process.exit(0); // the handler runtime's timers and the graphql streams are not worth unwinding here
