import type { Command } from 'commander';
import { filterOf, withFilterOptions, type FilterFlags } from '../filter-options.ts';
import { graphql } from '../hub-client.ts';
import { EVENT_FIELDS, type EventRecord, globalsOf } from '../output.ts';
import { positiveInt } from './publish.ts';

const LIST = `query($filter: EventFilter, $first: Int, $after: String) {
  deadLetters(filter: $filter, first: $first, after: $after) {
    edges { node { id handler deadAt error { code message attempts lastAttempt } event { ${EVENT_FIELDS} } } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const REDRIVE = `mutation($ids: [ID!]!) { redriveDeadLetters(ids: $ids) }`;

interface DeadLetter {
  id: string;
  handler: string;
  deadAt: string;
  error: { code: string; message: string; attempts: number };
  event: EventRecord;
}
type DeadLetterPage = {
  deadLetters: { edges: { node: DeadLetter }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
};

const letterLine = (letter: DeadLetter) =>
  `${letter.id}  ${letter.deadAt}  ${letter.handler}  ${letter.event.type}  ${letter.error.code} after ${letter.error.attempts} attempt(s): ${letter.error.message}`;

export function registerDeadLetters(program: Command): void {
  const deadLetters = program
    .command('dead-letters')
    .description('events handlers gave up on: list them, redrive them');
  withFilterOptions(
    deadLetters
      .command('list')
      .description('list dead letters, newest first; the filter applies to their events')
      .option('-n, --limit <n>', 'at most this many', positiveInt, 50)
      .option('--page-size <n>', 'dead letters per request', positiveInt, 100),
  ).action(async (options: FilterFlags & { limit: number; pageSize: number }, command: Command) => {
    const { target, out } = globalsOf(command);
    const filter = filterOf(options);
    let after: string | undefined;
    for (let left = options.limit; left > 0; ) {
      const { deadLetters: page } = await graphql<DeadLetterPage>(target, LIST, {
        filter,
        first: Math.min(left, options.pageSize),
        after,
      });
      for (const { node } of page.edges) out.data(node, letterLine);
      left -= page.edges.length;
      if (!page.pageInfo.hasNextPage || page.pageInfo.endCursor === null) break;
      after = page.pageInfo.endCursor;
    }
  });
  deadLetters
    .command('redrive')
    .description('queue dead letters to be handled again by their handler')
    .argument('<id...>', 'dead letter ids (from dead-letters list)')
    .action(async (ids: string[], _options: unknown, command: Command) => {
      const { target, out } = globalsOf(command);
      const { redriveDeadLetters: queued } = await graphql<{ redriveDeadLetters: number }>(target, REDRIVE, { ids });
      out.data({ queued }, () => `${queued} dead letter(s) queued for redrive`);
    });
}
