import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { WebSocketServer } from 'ws';
import { serveCalls } from '../live-support/ipc.ts';
import { processStats } from '../live-support/process-stats.ts';
import { nextFrame } from './workload.ts';

/**
 * Child process entry, S3's baseline: a plain `ws` server (same options as
 * the hub's: no compression, 1 MiB max payload) on /graphql, and a POST
 * endpoint that, per event, builds the frame the hub would send once and
 * broadcasts those bytes to every connected client. No GraphQL, no protocol,
 * no auth, no store: what is left of fan-out when everything else is gone.
 */
const server = createServer((req, res) => {
  req.resume(); // the body (the same publishEvent request the hub gets) is read and dropped
  req.on('end', () => {
    const position = ++head;
    const frame = Buffer.from(nextFrame(position, randomUUID(), new Date().toISOString()));
    for (const client of wss.clients) client.send(frame, { binary: false });
    const body = JSON.stringify({
      data: { publishEvent: { status: 'ACCEPTED', event: { position: String(position) } } },
    });
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  });
});
const wss = new WebSocketServer({ server, path: '/graphql', maxPayload: 1_048_576 });
let head = 0;
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
const { port } = server.address() as { port: number };

serveCalls(
  {
    stats: () => processStats({ subscriptions: wss.clients.size }),
    gc: () => globalThis.gc?.(),
  },
  { url: `http://127.0.0.1:${port}/graphql` },
  async () => {
    for (const client of wss.clients) client.terminate();
    server.closeAllConnections();
  },
);
