import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fire } from '../support/fire.ts';
import { SERVER_KINDS, type RunKind } from './bench-server.ts';
import { forkServerChild, type ServerChild } from './server-child.ts';
import { report, type Sample } from './report.ts';
import { REQUEST_BODY, REQUEST_HEADERS } from './workload.ts';
import { PROFILE_DIR } from '../support/profiles.ts';

/**
 * S1: publishEvent throughput of the hub, a bare node:http handler and stock
 * Yoga. Each server runs in its own child process; this process is the load
 * generator and runs rounds (hub, bare, yoga, hub, bare, yoga, …) of a fixed
 * number of requests at a fixed concurrency over keep-alive connections, so
 * that noise on a shared machine hits all three alike. See BENCHMARKS.md.
 */
const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    requests: { type: 'string', default: '12000' },
    connections: { type: 'string', default: '32' },
    warmup: { type: 'string', default: '6000' },
    servers: { type: 'string', default: SERVER_KINDS.join(',') },
    /** Server kinds to run under `node --cpu-prof` (profiles land in bench/profiles/). */
    profile: { type: 'string', default: '' },
    /** Writes every sample and the summary as JSON to this file. */
    json: { type: 'string' },
    /**
     * Another checkout of this repository (a `git worktree` of an earlier commit, with its
     * node_modules): its hub runs as server `base` in the same rounds, so a change is measured
     * against what it changed in one run (`hub/base`).
     */
    baseline: { type: 'string' },
    /** V8 flags for every server process, e.g. `--node-flags=--max-semi-space-size=16` (what `npm start` gives the hub). */
    'node-flags': { type: 'string', default: '' },
  },
});
const nodeFlags = args['node-flags'].split(' ').filter(Boolean);
const rounds = Number(args.rounds);
const requests = Number(args.requests);
const connections = Number(args.connections);
const warmup = Number(args.warmup);
const kinds = args.servers.split(',').filter(Boolean) as RunKind[];
if (args.baseline) kinds.push('base');
const profiled = new Set(args.profile.split(',').filter(Boolean));
for (const kind of kinds)
  if (kind !== 'base' && !SERVER_KINDS.includes(kind)) throw new Error(`unknown server ${kind}`);

/**
 * The memory store keeps 100,000 events per tenant and drops the oldest
 * beyond that: the default run stays below it, so S1 measures publishing
 * alone (BENCHMARKS.md).
 */
const STORE_CAP = 100_000;
if (warmup + rounds * requests > STORE_CAP) {
  process.stderr.write(
    `warning: ${warmup + rounds * requests} events per server exceed the memory store's ${STORE_CAP}; later rounds also measure its eviction\n`,
  );
}

const ENTRY = fileURLToPath(new URL('./server-process.ts', import.meta.url));

interface RunningServer extends ServerChild {
  kind: RunKind;
}

async function spawnServer(kind: RunKind): Promise<RunningServer> {
  const profile = profiled.has(kind) ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`] : [];
  if (profile.length > 0) mkdirSync(PROFILE_DIR, { recursive: true });
  // `base` is the hub of the baseline checkout, started by that checkout's own entry
  const [entry, cwd, serverKind] =
    kind === 'base'
      ? [join(resolve(args.baseline!), 'bench/s1/server-process.ts'), resolve(args.baseline!), 'hub']
      : [ENTRY, undefined, kind];
  const execArgv = [...nodeFlags, ...profile];
  const server = await forkServerChild({ entry, kind: serverKind, label: `${kind} server`, cwd, execArgv });
  return Object.assign(server, { kind });
}

/** One request by hand first: the answer must be an accepted event, or the numbers would mean nothing. */
async function checkAnswer(server: RunningServer): Promise<void> {
  const response = await fetch(server.url, { method: 'POST', headers: REQUEST_HEADERS, body: REQUEST_BODY });
  const body = (await response.json()) as { data?: { publishEvent?: { status?: string; event?: { id?: string } } } };
  if (response.status !== 200 || body.data?.publishEvent?.status !== 'ACCEPTED' || !body.data.publishEvent.event?.id) {
    throw new Error(`${server.kind} answered ${response.status} ${JSON.stringify(body)}`);
  }
}

/** Fires `amount` requests at `connections` concurrency; every one must be a 2xx that stored exactly one event. */
async function load(server: RunningServer, amount: number): Promise<number> {
  const before = await server.head();
  const { result, seconds } = await fire({
    url: server.url,
    headers: REQUEST_HEADERS,
    body: REQUEST_BODY,
    connections,
    amount,
  });
  const stored = (await server.head()) - before;
  if (result.errors + result.timeouts + result.non2xx > 0 || stored !== amount) {
    throw new Error(
      `${server.kind}: ${result.non2xx} non-2xx, ${result.errors} errors, ${stored}/${amount} events stored`,
    );
  }
  return amount / seconds;
}

const servers: RunningServer[] = [];
try {
  for (const kind of kinds) servers.push(await spawnServer(kind));
  for (const server of servers) await checkAnswer(server);
  process.stdout.write(
    `S1 publishEvent: ${rounds} rounds × ${requests} requests, ${connections} connections, warm-up ${warmup}${nodeFlags.length ? `, node ${nodeFlags.join(' ')}` : ''}\n`,
  );
  for (const server of servers) await load(server, warmup);

  const samples: Sample[] = [];
  for (let round = 1; round <= rounds; round++) {
    const line: string[] = [];
    for (const server of servers) {
      const rps = await load(server, requests);
      samples.push({ round, kind: server.kind, rps });
      line.push(`${server.kind} ${rps.toFixed(0)}`);
    }
    process.stdout.write(`round ${round}: ${line.join(', ')} req/s\n`);
  }
  const summary = report(samples);
  process.stdout.write(`\n${summary.text}\n`);
  if (args.json)
    writeFileSync(
      args.json,
      JSON.stringify({ rounds, requests, connections, warmup, samples, ...summary.data }, null, 2),
    );
} finally {
  await Promise.all(servers.map((server) => server.stop()));
}
