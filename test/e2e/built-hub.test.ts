// The built hub (`npm run build`, dist/hub/) as the Docker image runs it: from a folder holding only
// dist/ and console/dist — no node_modules, no sources, no TypeScript loader — on its embedded
// default, and on MongoDB and Redis, whose drivers load from the bundle's own chunks.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gql, PUBLISH } from '../support/graphql-client.ts';
import { TEST_API_KEYS, TEST_KEYS } from '../support/hub.ts';
import { spawnHubProcess } from '../support/hub-process.ts';
import { publishInput } from '../support/fixtures.ts';
import { testMongo, testRedis } from '../support/servers.ts';
import { connected, subscribeFromStart, wsClient } from '../support/ws-client.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('the built hub, alone in a folder as in the Docker image', () => {
  let image: string;
  before(async () => {
    await promisify(execFile)(process.execPath, ['scripts/build.mjs'], { cwd: ROOT });
    image = mkdtempSync(join(tmpdir(), 'hub-image-'));
    cpSync(join(ROOT, 'dist'), join(image, 'dist'), { recursive: true });
    cpSync(join(ROOT, 'console/dist'), join(image, 'console/dist'), { recursive: true });
    // A handler module in JavaScript, which the built hub imports as Node does (no loader for TypeScript).
    mkdirSync(join(image, 'handlers'));
    writeFileSync(
      join(image, 'handlers/mark.mjs'),
      `import { appendFileSync } from 'node:fs';
export default { name: 'mark', eventTypes: ['crm.>'], async handle(event) { appendFileSync(${JSON.stringify(join(image, 'handled'))}, event.id + '\\n'); } };
`,
    );
  });
  after(() => rmSync(image, { recursive: true, force: true }));

  const start = (env: Record<string, string> = {}) =>
    spawnHubProcess({ root: image, built: true, keepOutput: true, env: { HUB_API_KEYS: TEST_API_KEYS, ...env } });

  it('serves publishes, a graphql-ws subscriber, a handler module, GraphiQL and the console on its embedded default, and stops on SIGTERM', {
    timeout: 60_000,
  }, async () => {
    const hub = await start({ HUB_HANDLER_MODULES: join(image, 'handlers/mark.mjs') });
    try {
      assert.match(hub.output(), /"store":"memory"/);
      const client = wsClient(hub.url, TEST_KEYS.acme);
      const ready = connected(client);
      // From the start of the fresh store: the publish is delivered whether it comes before the subscription is live or after.
      const sub = subscribeFromStart(client, 'crm.>', 'id type');
      await ready;
      const published = await gql(hub.url, PUBLISH, { input: publishInput() }, TEST_KEYS.acme);
      assert.equal(published.data?.publishEvent.status, 'ACCEPTED', JSON.stringify(published));
      const [received] = await sub.waitFor(1, 10_000);
      assert.equal(received?.data?.['events']?.id, published.data?.publishEvent.event.id);
      await client.dispose();
      const handled = join(image, 'handled');
      for (let waited = 0; !existsSync(handled) && waited < 10_000; waited += 50)
        await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(readFileSync(handled, 'utf8'), `${published.data?.publishEvent.event.id}\n`);

      const graphiql = await fetch(`${hub.url}/graphql`, { headers: { accept: 'text/html' } });
      assert.equal(graphiql.status, 200);
      assert.match(await graphiql.text(), /<title>Event hub<\/title>/);
      const console = await fetch(`${hub.url}/console/`);
      assert.equal(console.status, 200);
      assert.match(await console.text(), /<script/);
    } finally {
      assert.equal(await hub.stop(), 0);
    }
  });

  it('stores in MongoDB and fans out through Redis', { timeout: 60_000 }, async (t) => {
    const [mongo, redis] = await Promise.all([testMongo(t), testRedis(t)]);
    const hub = await start({ MONGODB_URL: mongo.url, MONGODB_DB: mongo.dbName, REDIS_URL: redis.url });
    try {
      assert.match(hub.output(), /"store":"mongodb"/);
      assert.match(hub.output(), /"bus":"redis"/);
      const published = await gql(hub.url, PUBLISH, { input: publishInput() }, TEST_KEYS.acme);
      assert.equal(published.data?.publishEvent.status, 'ACCEPTED', JSON.stringify(published));
      const stored = await mongo.db.collection('events').countDocuments({ tenantId: 'acme' });
      assert.equal(stored, 1);
      assert.equal((await fetch(`${hub.url}/readyz`)).status, 200);
    } finally {
      assert.equal(await hub.stop(), 0);
    }
  });
});
