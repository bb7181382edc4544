import { createServer, type IncomingMessage } from 'node:http';
import { isHubError } from '../../src/errors.ts';
import { encodePosition } from '../../src/events/position.ts';
import { toPendingEvent } from '../../src/ingest/to-pending-event.ts';
import { createMemoryEventStore } from '../../src/store/memory-event-store.ts';
import type { BenchServer } from './bench-server.ts';
import { BENCH_TENANT, MAX_EVENT_BYTES } from './workload.ts';

/**
 * The floor: plain node:http, the body parsed as JSON, the hub's own input
 * validation (`toPendingEvent`) and the same memory store. No GraphQL, no auth,
 * no bus: what is left when everything the hub adds is taken away.
 */
export async function startBareServer(): Promise<BenchServer> {
  const store = createMemoryEventStore({ idempotencyWindowMs: 86_400_000 });
  const server = createServer((req, res) => {
    handle(req)
      .then((body) => reply(200, body))
      .catch((error: unknown) => reply(isHubError(error) ? 400 : 500, { error: String(error) }));

    function reply(status: number, body: unknown) {
      const text = JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    }
  });

  async function handle(req: IncomingMessage) {
    const chunks: Buffer[] = [];
    for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
    const request = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { variables?: { input?: unknown } };
    const event = toPendingEvent(request.variables?.input, {
      tenantId: BENCH_TENANT,
      now: new Date(),
      maxEventBytes: MAX_EVENT_BYTES,
    });
    const [outcome] = await store.append([event]);
    if (outcome?.status !== 'ACCEPTED') throw new Error(`append answered ${outcome?.status}`);
    return {
      data: {
        publishEvent: {
          status: outcome.status,
          event: { id: outcome.event.id, position: encodePosition(outcome.event.position) },
        },
      },
    };
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/graphql`,
    head: () => store.headPosition(BENCH_TENANT),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
