import type { Command } from 'commander';
import { CliError } from '../cli-error.ts';
import { filterOf, withFilterOptions, type FilterFlags } from '../filter-options.ts';
import { graphql, type HubTarget } from '../hub-client.ts';
import { follow } from '../live.ts';
import { EVENT_FIELDS, type EventRecord, eventLine, globalsOf } from '../output.ts';
import { positiveInt } from './publish.ts';

const FOLLOW = `subscription($filter: EventFilter, $after: String) { events(filter: $filter, after: $after) { ${EVENT_FIELDS} } }`;
const NEWEST = `query { events(first: 1, order: DESC) { edges { node { position } } } }`;

interface TailOptions extends FilterFlags {
  after?: string;
  count?: number;
}

export function registerTail(program: Command): void {
  withFilterOptions(
    program
      .command('tail')
      .description(
        'follow events as they are stored; after a dropped connection it resumes after the last event shown, without gap or repeat',
      )
      .argument('[pattern...]', 'event type patterns: order.created, order.*, order.>')
      .option('--after <position>', 'first every stored matching event after this position, then live')
      .option('-c, --count <n>', 'exit after this many events', positiveInt),
  ).action(async (patterns: string[], options: TailOptions, command: Command) => {
    const { target, out } = globalsOf(command);
    const filter = filterOf(options, patterns);
    // Without --after, start from the newest event now, so even a reconnect before the first event leaves no gap.
    let after: string | undefined = options.after ?? (await newestPosition(target));
    let shown = 0;
    const stopped = new AbortController();
    process.once('SIGINT', () => stopped.abort());
    await follow<{ events: EventRecord }>({
      target,
      query: FOLLOW,
      variables: () => ({ filter, after }),
      endsOnComplete: false,
      signal: stopped.signal,
      onReconnect: (reason) => out.say(`${reason}; resuming after ${after ?? 'the live edge (no event yet)'}`),
      onData: ({ events: event }) => {
        out.data(event, eventLine);
        after = event.position;
        shown += 1;
        return options.count !== undefined && shown >= options.count;
      },
    });
  });
}

/** The tenant's newest position ('0' for none); undefined for a key without the query scope, which then tails live only. */
async function newestPosition(target: HubTarget): Promise<string | undefined> {
  try {
    const { events } = await graphql<{ events: { edges: { node: { position: string } }[] } }>(target, NEWEST);
    return events.edges[0]?.node.position ?? '0';
  } catch (error) {
    if (error instanceof CliError && error.code === 'FORBIDDEN') return undefined;
    throw error;
  }
}
