import { writeHeapSnapshot } from 'node:v8';
import { startEmbeddedHub } from './embedded-hub.ts';
import { serveCalls } from './ipc.ts';
import { processStats } from './process-stats.ts';
import { LIVE_TENANT } from './workload.ts';

/**
 * Child process entry: the hub as `main` wires the embedded default
 * (`embedded-hub.ts`; graphql-ws on /graphql). Answers `stats` (RSS, heap,
 * CPU, open subscriptions), `gc`, `heapSnapshot` and `ingest` (publishes
 * through `services.ingest`, bypassing HTTP).
 */
const hub = await startEmbeddedHub();
const { services } = hub.app;

serveCalls(
  {
    stats: () => processStats({ subscriptions: services.live.size }),
    gc: () => globalThis.gc?.(),
    /** Writes a heap snapshot (for looking into memory per connection); answers its path. */
    heapSnapshot: ({ path }: { path: string }) => writeHeapSnapshot(path),
    /** Publishes `inputs` as one batch; answers the positions of the accepted events (−1: not accepted). */
    ingest: async ({ inputs }: { inputs: unknown[] }) => {
      const results = await services.ingest.publish(LIVE_TENANT, inputs);
      return results.map((r) => (r.status === 'ACCEPTED' ? r.event.position : -1));
    },
  },
  { url: `${hub.app.url}/graphql` },
  () => hub.close(),
);
