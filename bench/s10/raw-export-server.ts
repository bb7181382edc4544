// The baseline of S10's export half, run as its own process: an HTTP server whose every GET streams
// the bench tenant's events straight from the driver's cursor (position order, tombstones left
// out) as the same NDJSON lines GET /export writes, waiting for 'drain', then the same trailer.
// Prints its URL on stdout once it listens.
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MongoClient } from 'mongodb';
import { toEventJson as eventJson } from '../../src/events/event-json.ts';
import { NOT_GAP, toHubEvent, type StoredEvent } from '../../src/store/mongodb/documents.ts';
import { COLLECTIONS } from '../../src/store/mongodb/index.ts';
import { BENCH_TENANT } from '../cluster-support/workload.ts';

const [mongoUrl, dbName, batch = '500'] = process.argv.slice(2);
if (!mongoUrl || !dbName) throw new Error('usage: raw-export-server.ts <MONGODB_URL> <db> [batch]');
const client = new MongoClient(mongoUrl);
const archive = client.db(dbName).collection<StoredEvent>(COLLECTIONS.archive);

const server = createServer(async (_req, res) => {
  res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
  const cursor = archive.find({ tenantId: BENCH_TENANT, ...NOT_GAP } as never, {
    sort: { position: 1 },
    batchSize: Number(batch),
  });
  let last = 0;
  try {
    for await (const doc of cursor) {
      last = doc.position;
      if (!res.write(`${JSON.stringify(eventJson(toHubEvent(doc)))}\n`)) await once(res, 'drain');
    }
    res.end(`${JSON.stringify({ next: String(last) })}\n`);
  } finally {
    await cursor.close();
  }
});
server.listen(0, '127.0.0.1', () =>
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`),
);
process.on('SIGTERM', () => {
  server.close();
  void client.close().then(() => process.exit(0));
});
