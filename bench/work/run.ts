import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MongoClient } from 'mongodb';
import { requireUrls } from '../cluster-support/servers.ts';
import { install } from './command-monitor.ts';
import { report, type SideResult } from './report.ts';
import { runMechanismScenarios } from './mechanism-scenarios.ts';
import { runScenarios } from './scenarios.ts';

/**
 * The work the MongoDB path asks of the server, counted with the driver's command monitoring
 * rather than timed: per 1,000 events, the commands by name and the documents written, and for
 * publishes the sequential round trips per request and the documents written before the
 * acknowledgement — for publishEvents in batches of 100, publishEvent one at a time, a handler line,
 * a HANDLERS replay and a subscription resuming; with `--mechanisms`, what the FerretDB-era
 * mechanisms save (mechanism-scenarios.ts). Wall-clock figures on FerretDB mostly measure its
 * scans; these counts are what MongoDB would be asked too. With `--baseline <checkout>` the same
 * scenarios run on that checkout's hub in the same run, rounds alternating. See BENCHMARKS.md.
 */
const { MONGODB_URL: mongoUrl } = requireUrls('work', 'bench:work', ['MONGODB_URL']);
const { values: args } = parseArgs({
  options: {
    events: { type: 'string', default: '1000' },
    rounds: { type: 'string', default: '2' },
    /** Another checkout (a `git worktree` of an earlier commit, with node_modules) to count beside this one. */
    baseline: { type: 'string' },
    json: { type: 'string' },
    /** Count the mechanisms' scenarios (read avoidance, idle tenant, sequencer grace) instead of the paths'. */
    mechanisms: { type: 'boolean', default: false },
  },
});
const events = Number(args.events);
const rounds = Number(args.rounds);
const here = fileURLToPath(new URL('../..', import.meta.url));
const sides = [
  { side: 'this checkout', root: here },
  ...(args.baseline ? [{ side: 'baseline', root: args.baseline }] : []),
];

const monitor = install();
const admin = new MongoClient(mongoUrl);
const results: SideResult[] = [];
try {
  process.stdout.write(
    `work counts: ${events} events a scenario, ${rounds} rounds, sides: ${sides.map((s) => s.side).join(', ')}\n`,
  );
  for (let round = 1; round <= rounds; round++) {
    for (const { side, root } of round % 2 === 1 ? sides : [...sides].reverse()) {
      const dbName = `bench_work_${randomBytes(4).toString('hex')}`;
      try {
        const scenarioResults = await (args.mechanisms ? runMechanismScenarios : runScenarios)(
          monitor,
          root,
          { mongoUrl, dbName },
          events,
        );
        results.push({ side, round, results: scenarioResults });
        process.stdout.write(
          `round ${round}, ${side}: ${scenarioResults.map((r) => `${r.scenario} ${r.counts.documentsWritten.toFixed(0)} docs/1k`).join('; ')}\n`,
        );
      } finally {
        await admin
          .db(dbName)
          .dropDatabase()
          .catch(() => {});
      }
    }
  }
  process.stdout.write(`${report(results, args.mechanisms)}\n`);
  if (args.json) writeFileSync(args.json, JSON.stringify({ events, rounds, results }, null, 2));
} finally {
  await admin.close();
}
