import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Writable } from 'node:stream';
import type { Command } from 'commander';
import { CliError } from '../cli-error.ts';
import { exportPart } from '../export-reader.ts';
import { filterOf, withFilterOptions, type FilterFlags } from '../filter-options.ts';
import { graphql, type HubTarget } from '../hub-client.ts';
import { globalsOf } from '../output.ts';
import { createProgress } from '../progress.ts';
import { positiveInt } from './publish.ts';

interface ExportOptions extends FilterFlags {
  out?: string;
  after?: string;
  retries: number;
  progress: boolean;
}

const COUNT = `query($filter: EventFilter) { eventStats(filter: $filter, groupBy: TYPE) { count } }`;

export function registerExport(program: Command): void {
  withFilterOptions(
    program
      .command('export')
      .description(
        'export matching events as NDJSON (one event per line, as GraphQL returns it); a cut export resumes where it stopped',
      )
      .option('-o, --out <file>', 'write to this file instead of stdout')
      .option('--after <position>', 'start after this position (the `next` an earlier export reported)')
      .option('--retries <n>', 'resume a cut export this many times in a row before giving up', positiveInt, 5)
      .option('--no-progress', 'no progress bar on stderr'),
  ).action(async (options: ExportOptions, command: Command) => {
    const { target, out } = globalsOf(command);
    const filter = filterOf(options);
    const sink: Writable = options.out ? createWriteStream(options.out) : process.stdout;
    const bar = options.progress && process.stderr.isTTY === true;
    const progress = createProgress(bar, {
      total: bar && options.after === undefined ? await count(target, filter) : null,
      unit: 'events',
    });
    let events = 0;
    let after = options.after;
    let next: string | null = null;
    try {
      for (let cuts = 0; next === null; ) {
        const params = new URLSearchParams({
          ...(filter && { filter: JSON.stringify(filter) }),
          ...(after !== undefined && { after }),
        });
        const part = await exportPart(target, params, sink, (n) => progress.update(events + n)).catch(
          (error: unknown) => retryable(error),
        );
        if (part) {
          events += part.events;
          after = part.last;
          next = part.next;
          if (next !== null) break;
          // A coded end (a damaged cold segment) is not a cut: resuming would meet it again.
          if (part.error && part.error.code !== 'UNAVAILABLE') throw withResume(part.error, after);
          cuts = part.events > 0 ? 1 : cuts + 1;
        } else cuts += 1;
        if (cuts > options.retries)
          throw new CliError(`the export was cut ${cuts} times in a row; resume with --after ${after ?? '0'}`, {
            code: 'CUT',
          });
        out.say(`export cut after ${events} events; resuming after ${after ?? '0'}`);
        await sleep(Math.min(5000, 200 * 2 ** cuts));
      }
    } finally {
      progress.stop();
      if (sink !== process.stdout) {
        sink.end();
        await finished(sink);
      }
    }
    const summary = { events, next, ...(options.out && { file: options.out }) };
    if (options.out && out.json) out.data(summary, () => '');
    else
      out.say(
        `exported ${events} events${options.out ? ` to ${options.out}` : ''}; the next export continues with --after ${next}`,
      );
  });
}

/** The hub's error, saying where the lines written stop and, when the hub names one, the cursor that skips the damage. */
function withResume(error: CliError, after: string): CliError {
  const skip = typeof error.details['resumeAfter'] === 'string' ? error.details['resumeAfter'] : null;
  const hint = `; the output is complete through ${after}${skip ? `; --after ${skip} skips what cannot be read` : ''}`;
  return new CliError(`${error.message}${hint}`, { code: error.code, details: error.details });
}

/** Null (try again) for what a later request may not meet: the hub unreachable or shutting down. */
function retryable(error: unknown): null {
  if (error instanceof CliError && (error.code === 'UNREACHABLE' || error.code === 'UNAVAILABLE')) return null;
  throw error;
}

/** How many events match (for the bar's total); null when the hub cannot say. */
async function count(target: HubTarget, filter: Record<string, unknown> | null): Promise<number | null> {
  try {
    const { eventStats } = await graphql<{ eventStats: { count: number }[] }>(target, COUNT, { filter });
    return eventStats.reduce((sum, { count }) => sum + count, 0);
  } catch {
    return null;
  }
}
