import type { Collection, Document } from 'mongodb';
import { compileFilter, createMatcher, type CompiledFilter } from '../../src/filter/index.ts';
import { BENCH_TENANT, EVENTS_QUERY, SEARCHES, searchVariables } from './workload.ts';

/** A search ready to run on both sides, with the page it must return. */
export interface PreparedSearch {
  name: string;
  /** The hub's own compiled query document (what the raw side sends, and what the hub ANDs with tenant and gap). */
  compiled: CompiledFilter;
  /** The GraphQL request body for the hub. */
  body: string;
  matching: number;
  /** The ids of the expected page, newest first, comma-joined. */
  expected: string;
  hasNextPage: boolean;
}

/**
 * Works out each search's page in process, from every stored event of the
 * tenant, with the hub's matcher (mingo on the compiled document) and the
 * page order (position descending): independent of both sides under test.
 */
export async function prepareSearches(
  archive: Collection<Document>,
  total: number,
  first: number,
): Promise<PreparedSearch[]> {
  const all = await archive.find({ tenantId: BENCH_TENANT, gap: { $ne: true } }).toArray();
  if (all.length !== total) throw new Error(`the archive holds ${all.length} events, expected ${total}`);
  return SEARCHES.map(({ name, filter }) => {
    const compiled = compileFilter(filter);
    const matches = createMatcher(compiled);
    const hits = all
      .filter((doc) => matches(doc))
      .sort((a, b) => (b['position'] as number) - (a['position'] as number));
    if (hits.length === 0) throw new Error(`search "${name}" matches nothing; the benchmark would measure empty pages`);
    return {
      name,
      compiled,
      body: JSON.stringify({ query: EVENTS_QUERY, variables: searchVariables(filter, first) }),
      matching: hits.length,
      expected: hits
        .slice(0, first)
        .map((doc) => doc['id'] as string)
        .join(','),
      hasNextPage: hits.length > first,
    };
  });
}
