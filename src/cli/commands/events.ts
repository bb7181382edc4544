import { Option, type Command } from 'commander';
import { filterOf, withFilterOptions, type FilterFlags } from '../filter-options.ts';
import { graphql } from '../hub-client.ts';
import { EVENT_FIELDS, type EventRecord, eventLine, globalsOf } from '../output.ts';
import { positiveInt } from './publish.ts';

const EVENTS = `query($filter: EventFilter, $first: Int, $after: String, $order: SortOrder) {
  events(filter: $filter, first: $first, after: $after, order: $order) { edges { node { ${EVENT_FIELDS} } } pageInfo { hasNextPage endCursor } }
}`;

interface EventsOptions extends FilterFlags {
  limit: number;
  all?: boolean;
  order: 'ASC' | 'DESC';
  after?: string;
  pageSize: number;
}

type EventsPage = {
  events: { edges: { node: EventRecord }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
};

export function registerEvents(program: Command): void {
  withFilterOptions(
    program
      .command('events')
      .description('search stored events (newest first unless --order ASC), page by page')
      .option('-n, --limit <n>', 'at most this many events', positiveInt, 50)
      .option('--all', 'every matching event (ignores --limit)')
      .addOption(new Option('--order <order>', 'position order').choices(['ASC', 'DESC']).default('DESC'))
      .option('--after <position>', 'continue after this position (a previous event’s position)')
      .option('--page-size <n>', 'events per request (at most the hub’s HUB_MAX_PAGE_SIZE)', positiveInt, 100),
  ).action(async (options: EventsOptions, command: Command) => {
    const { target, out } = globalsOf(command);
    const filter = filterOf(options);
    let after = options.after;
    for (let left = options.all ? Infinity : options.limit; left > 0; ) {
      const first = Math.min(left, options.pageSize);
      const { events } = await graphql<EventsPage>(target, EVENTS, { filter, first, after, order: options.order });
      for (const { node } of events.edges) out.data(node, eventLine);
      left -= events.edges.length;
      if (!events.pageInfo.hasNextPage || events.pageInfo.endCursor === null) break;
      after = events.pageInfo.endCursor;
    }
  });
}
