import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { spawnHubProcess, type HubProcess } from '../../test/support/hub-process.ts';
import { requireUrls, runDatabase } from '../cluster-support/servers.ts';
import { BENCH_API_KEYS, BENCH_KEY } from '../cluster-support/workload.ts';
import { seed } from '../s6/seed.ts';
import { postGraphql } from '../support/graphql.ts';
import { BENCH_HUB } from '../support/hub.ts';
import { thousands } from '../support/stats.ts';

/**
 * S10, export half: `GET /export` of N stored events from a hub process on MongoDB (FerretDB),
 * against a process streaming the same lines from the driver's cursor (raw-export-server.ts),
 * alternated in one run. The client reads each response to its end and counts its lines. Goal:
 * hub ≥ 0.7× raw events/s. See BENCHMARKS.md.
 */
const { MONGODB_URL: mongoUrl } = requireUrls('S10', 'bench:s10', ['MONGODB_URL']);
const { values: args } = parseArgs({
  options: { events: { type: 'string', default: '20000' }, rounds: { type: 'string', default: '3' } },
});
const total = Number(args.events);
const rounds = Number(args.rounds);
const say = (line: string) => process.stdout.write(`${line}\n`);

/** Reads a whole export; answers its event lines (the trailer left out) and seconds. */
async function read(url: string, key?: string): Promise<{ events: number; seconds: number; mb: number }> {
  const started = performance.now();
  const req = request(url, { headers: key ? { authorization: `Bearer ${key}` } : {} });
  req.end();
  const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
  if (res.statusCode !== 200) throw new Error(`${url} answered ${res.statusCode}`);
  let lines = 0;
  let bytes = 0;
  for await (const chunk of res as AsyncIterable<Buffer>) {
    bytes += chunk.length;
    for (let at = chunk.indexOf(10); at !== -1; at = chunk.indexOf(10, at + 1)) lines += 1;
  }
  return { events: lines - 1, seconds: (performance.now() - started) / 1000, mb: bytes / 1_048_576 };
}

/** The hub's handler lines first read the seeded events (scans on FerretDB) and would land in the first rounds. */
async function handlersCaughtUp(url: string): Promise<void> {
  const since = performance.now();
  for (;;) {
    const { handlers } = await postGraphql<{ handlers: { lag: number }[] }>(url, BENCH_KEY, {
      query: '{ handlers { lag } }',
    });
    if (handlers.every((handler) => handler.lag === 0)) break;
    if (performance.now() - since > 600_000) throw new Error('the handler lines did not catch up within 10 minutes');
    await sleep(200);
  }
  say(`hub up, its handler lines caught up in ${((performance.now() - since) / 1000).toFixed(1)} s`);
}

async function startRaw(dbName: string): Promise<{ url: string; stop: () => void }> {
  const script = fileURLToPath(new URL('./raw-export-server.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script, mongoUrl, dbName], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [first] = (await once(child.stdout!, 'data')) as [Buffer];
  return { url: first.toString().trim(), stop: () => child.kill('SIGTERM') };
}

const client = new MongoClient(mongoUrl);
const dbName = runDatabase('s10', String(total));
let hub: HubProcess | undefined;
let raw: { url: string; stop: () => void } | undefined;
try {
  const seeded = await seed(client, dbName, total, 1000, () => {});
  say(`S10 export: seeded ${thousands(seeded.events)} events in ${seeded.seconds.toFixed(1)} s`);
  hub = await spawnHubProcess({
    ...BENCH_HUB,
    env: { MONGODB_URL: mongoUrl, MONGODB_DB: dbName, HUB_API_KEYS: BENCH_API_KEYS },
  });
  await handlersCaughtUp(hub.url);
  raw = await startRaw(dbName);
  const rates = { hub: [] as number[], raw: [] as number[] };
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? (['hub', 'raw'] as const) : (['raw', 'hub'] as const);
    const line: string[] = [];
    for (const side of order) {
      const result = side === 'hub' ? await read(`${hub.url}/export`, BENCH_KEY) : await read(raw.url);
      if (result.events !== total) throw new Error(`${side} exported ${result.events} events, not ${total}`);
      rates[side].push(result.events / result.seconds);
      line.push(
        `${side} ${thousands(result.events / result.seconds)} events/s (${result.mb.toFixed(1)} MB in ${result.seconds.toFixed(2)} s)`,
      );
    }
    say(`round ${round}: ${line.join(', ')}`);
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  const ratios = rates.hub.map((rate, i) => rate / rates.raw[i]!);
  say(
    `median hub ${thousands(median(rates.hub))} events/s, raw ${thousands(median(rates.raw))} events/s: hub/raw ${(median(rates.hub) / median(rates.raw)).toFixed(2)} (per round ${ratios.map((r) => r.toFixed(2)).join(', ')}); goal ≥ 0.7`,
  );
} finally {
  raw?.stop();
  await hub?.stop();
  await client
    .db(dbName)
    .dropDatabase()
    .catch(() => undefined);
  await client.close();
}
