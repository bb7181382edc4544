import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { handlers } from '../../handlers/index.ts';
import { startHub } from '../../src/app.ts';
import { createInProcessEventBus } from '../../src/bus/in-process-event-bus.ts';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { openMongoStorage } from '../../src/storage-mongodb.ts';
import { requireUrls, runDatabase } from '../cluster-support/servers.ts';
import { BENCH_API_KEYS } from '../cluster-support/workload.ts';
import { seed } from './seed.ts';

/**
 * What an idle hub asks of the MongoDB-wire server, command by command: N
 * events are seeded, then a hub wired as src/storage.ts and main wire it (the
 * MongoDB stores, the built-in handlers; the in-process bus) runs with no
 * client for a while, on a client with command monitoring. Prints each kind of
 * command with its count and the server time it took. See BENCHMARKS.md, S6.
 *
 *   npm run with-servers -- node --import tsx bench/s6/idle-commands.ts --events 5000 --seconds 20
 */
const { MONGODB_URL: url } = requireUrls('S6 idle-commands', 'bench:s6', ['MONGODB_URL']);
const { values: args } = parseArgs({
  options: { events: { type: 'string', default: '5000' }, seconds: { type: 'string', default: '20' } },
});

const dbName = runDatabase('s6idle');
const client = new MongoClient(url, { monitorCommands: true });
const started = new Map<number, string>();
const seen = new Map<string, { count: number; ms: number }>();
const record = (requestId: number, ms: number, failed: boolean) => {
  const key = `${started.get(requestId) ?? '?'}${failed ? ' (failed)' : ''}`;
  started.delete(requestId);
  const entry = seen.get(key) ?? { count: 0, ms: 0 };
  seen.set(key, { count: entry.count + 1, ms: entry.ms + ms });
};
client.on('commandStarted', (e) => {
  const command = e.command as Record<string, unknown>;
  const filter = e.commandName === 'find' ? ` ${JSON.stringify(command['filter']).slice(0, 100)}` : '';
  started.set(e.requestId, `${e.commandName} ${String(command[e.commandName])}${filter}`);
});
client.on('commandSucceeded', (e) => record(e.requestId, e.duration, false));
client.on('commandFailed', (e) => record(e.requestId, e.duration, true));

try {
  await seed(client, dbName, Number(args.events), 1000, () => {});
  const config = loadConfig({
    PORT: '0',
    LOG_LEVEL: 'error',
    MONGODB_URL: url,
    MONGODB_DB: dbName,
    HUB_API_KEYS: BENCH_API_KEYS,
  });
  const log = createLogger(config.LOG_LEVEL);
  const storage = await openMongoStorage(client, config, log);
  const bus = createInProcessEventBus();
  seen.clear();
  const app = await startHub({ ...storage, config, bus, handlers, log });
  await new Promise((resolve) => setTimeout(resolve, Number(args.seconds) * 1000));
  await app.close();
  process.stdout.write(
    `idle hub over ${args.events} events for ${args.seconds} s, commands by kind:\n\n| count | server s | command |\n|---:|---:|---|\n`,
  );
  for (const [key, { count, ms }] of [...seen].sort((a, b) => b[1].ms - a[1].ms)) {
    process.stdout.write(`| ${count} | ${(ms / 1000).toFixed(2)} | \`${key}\` |\n`);
  }
  await Promise.all([bus.close(), storage.close()]);
} finally {
  await client
    .db(dbName)
    .dropDatabase()
    .catch(() => {});
  await client.close();
}
