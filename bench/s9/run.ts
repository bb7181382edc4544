import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { fire } from '../support/fire.ts';
import { forkServerChild, type ServerChild } from '../s1/server-child.ts';
import { median, spread } from '../support/stats.ts';
import { GOAL, REQUESTS, SIDES, type Side } from './workload.ts';

/**
 * S9: the same event published as a binary-mode CloudEvent (`POST /events`) and as GraphQL
 * `publishEvent`, each to its own hub process on the embedded store (S1's server process), in
 * alternated rounds of a fixed number of requests at a fixed concurrency, so that noise on a shared
 * machine hits both alike. See BENCHMARKS.md.
 */
const { values: args } = parseArgs({
  options: {
    rounds: { type: 'string', default: '7' },
    requests: { type: 'string', default: '10000' },
    connections: { type: 'string', default: '32' },
    warmup: { type: 'string', default: '5000' },
    /** Writes every sample and the summary as JSON to this file. */
    json: { type: 'string' },
  },
});
const rounds = Number(args.rounds);
const requests = Number(args.requests);
const connections = Number(args.connections);
const warmup = Number(args.warmup);

const ENTRY = fileURLToPath(new URL('../s1/server-process.ts', import.meta.url));

interface RunningHub extends ServerChild {
  side: Side;
}

async function spawnHub(side: Side): Promise<RunningHub> {
  const hub = await forkServerChild({ entry: ENTRY, kind: 'hub', label: `${side} hub` });
  // Base URL, without the GraphQL path: each side posts to its own path.
  return Object.assign(hub, { side, url: new URL(hub.url).origin });
}

/** One request by hand first: each side must answer with an accepted event, or the numbers would mean nothing. */
async function checkAnswer(hub: RunningHub): Promise<void> {
  const { path, headers, body } = REQUESTS[hub.side];
  const response = await fetch(`${hub.url}${path}`, {
    method: 'POST',
    headers: { ...headers, 'ce-id': 'check-1' },
    body,
  });
  const text = await response.text();
  const accepted =
    hub.side === 'events'
      ? response.status === 202 && JSON.parse(text).status === 'ACCEPTED'
      : JSON.parse(text).data?.publishEvent?.status === 'ACCEPTED';
  if (!accepted) throw new Error(`${hub.side} answered ${response.status} ${text}`);
}

/** Fires `amount` requests; every one must be a 2xx that stored exactly one event. */
async function load(hub: RunningHub, amount: number): Promise<number> {
  const before = await hub.head();
  const { result, seconds } = await fireAt(hub, amount);
  const stored = (await hub.head()) - before;
  if (result.errors + result.timeouts + result.non2xx > 0 || stored !== amount) {
    throw new Error(
      `${hub.side}: ${result.non2xx} non-2xx, ${result.errors} errors, ${stored}/${amount} events stored`,
    );
  }
  return amount / seconds;
}

/** One side's requests, timed to the last response. */
function fireAt(hub: RunningHub, amount: number) {
  const { path, headers, body } = REQUESTS[hub.side];
  return fire({ url: `${hub.url}${path}`, headers, body, connections, amount, idReplacement: true });
}

const hubs: RunningHub[] = [];
try {
  for (const side of SIDES) hubs.push(await spawnHub(side));
  for (const hub of hubs) await checkAnswer(hub);
  process.stdout.write(
    `S9 CloudEvents binary vs GraphQL publishEvent: ${rounds} rounds × ${requests} requests, ${connections} connections, warm-up ${warmup}\n`,
  );
  for (const hub of hubs) await load(hub, warmup);
  const samples: { round: number; side: Side; rps: number }[] = [];
  for (let round = 1; round <= rounds; round++) {
    // the order flips every round, so neither side always runs right after the other's burst
    const order = round % 2 === 1 ? hubs : [...hubs].reverse();
    for (const hub of order) samples.push({ round, side: hub.side, rps: await load(hub, requests) });
    const line = samples.filter((s) => s.round === round).map((s) => `${s.side} ${s.rps.toFixed(0)}`);
    process.stdout.write(`round ${round}: ${line.join(', ')} req/s\n`);
  }
  const rpsOf = (side: Side) => samples.filter((s) => s.side === side).map((s) => s.rps);
  const medians = { graphql: median(rpsOf('graphql')), events: median(rpsOf('events')) };
  const perRound = Array.from({ length: rounds }, (_, i) => rpsOf('events')[i]! / rpsOf('graphql')[i]!);
  const ratio = medians.events / medians.graphql;
  const lines = ['| side | median req/s | min | max |', '|---|---:|---:|---:|'];
  for (const side of SIDES)
    lines.push(
      `| ${side} | ${medians[side].toFixed(0)} | ${Math.min(...rpsOf(side)).toFixed(0)} | ${Math.max(...rpsOf(side)).toFixed(0)} |`,
    );
  lines.push('', '| ratio | of medians | per-round min–max | goal |', '|---|---:|---:|---|');
  lines.push(
    `| events/graphql | ${ratio.toFixed(3)} | ${spread(perRound)} | ≥ ${GOAL.toFixed(2)}: ${ratio >= GOAL ? 'met' : 'NOT met'} |`,
  );
  process.stdout.write(`\n${lines.join('\n')}\n`);
  if (args.json)
    writeFileSync(
      args.json,
      JSON.stringify({ rounds, requests, connections, warmup, samples, medians, ratio }, null, 2),
    );
} finally {
  await Promise.all(hubs.map((hub) => hub.stop()));
}
