/**
 * Hub processes on one MongoDB database, for e2e tests of what survives a
 * restart or a crash and what several processes agree on.
 *
 *   const hubs = await mongoHubs(t);      // a fresh database; hubs stopped, then the database dropped, by t.after
 *   const hub = await hubs.start();       // `npm start` with MONGODB_URL / MONGODB_DB of that database
 *   await killHard(hub);                  // SIGKILL: no shutdown code runs
 */
import { once } from 'node:events';
import { gql } from './graphql-client.ts';
import { spawnHub, TEST_API_KEYS, type HubProcess } from './hub.ts';
import { testMongo, type CleanupScope, type TestMongo } from './servers.ts';
import type { Untyped } from './untyped.ts';

export interface MongoHubs {
  mongo: TestMongo;
  /** Starts one more hub process on the database; `env` adds to (or overrides) the variables all of them get. */
  start(env?: Record<string, string>): Promise<HubProcess>;
}

/** A fresh database and a way to start hubs on it; one cleanup stops every hub before the database is dropped. */
export async function mongoHubs(scope: CleanupScope, env: Record<string, string> = {}): Promise<MongoHubs> {
  const mongo = await testMongo();
  const hubs: HubProcess[] = [];
  scope.after(async () => {
    try {
      await Promise.allSettled(hubs.map((hub) => hub.stop()));
    } finally {
      await mongo.close();
    }
  });
  return {
    mongo,
    async start(more = {}) {
      const hub = await spawnHub({
        MONGODB_URL: mongo.url,
        MONGODB_DB: mongo.dbName,
        HUB_API_KEYS: TEST_API_KEYS,
        ...env,
        ...more,
      });
      hubs.push(hub);
      return hub;
    },
  };
}

/** SIGKILL, as a crash or `kill -9` would: resolves once the process is gone. */
export async function killHard(hub: HubProcess): Promise<void> {
  if (hub.child.exitCode !== null || hub.child.signalCode !== null) return;
  const exited = once(hub.child, 'exit');
  hub.child.kill('SIGKILL');
  await exited;
}

/**
 * Every event of the key's tenant that matches `filter`, in position order,
 * read page by page through `events` (so a test sees what an auditor sees).
 * `fields` is the selection of each node.
 */
export async function allEvents<T = Untyped>(
  url: string,
  apiKey: string,
  fields: string,
  filter?: Record<string, unknown>,
  pageSize = 100,
): Promise<T[]> {
  const query = `query AllEvents($filter: EventFilter, $first: Int, $after: String) {
    events(filter: $filter, first: $first, after: $after, order: ASC) {
      edges { node { ${fields} } }
      pageInfo { hasNextPage endCursor }
    }
  }`;
  const nodes: T[] = [];
  let after: string | null = null;
  for (;;) {
    const response = await gql(url, query, { filter: filter ?? null, first: pageSize, after }, apiKey);
    if (response.errors) throw new Error(`events query failed: ${JSON.stringify(response.errors)}`);
    const page = response.data!['events'] as {
      edges: { node: T }[];
      pageInfo: { hasNextPage: boolean; endCursor: string | null };
    };
    nodes.push(...page.edges.map((edge) => edge.node));
    if (!page.pageInfo.hasNextPage) return nodes;
    after = page.pageInfo.endCursor;
  }
}
