import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { exampleHandlers as builtIn } from '../../examples/handlers/index.ts';
import { compileFilter } from '../../src/filter/index.ts';
import type { HubHandler } from '../../src/handlers/handler.ts';
import { runCli, startCli } from '../support/cli.ts';
import { pendingEvent, publishInput } from '../support/fixtures.ts';
import { gql } from '../support/graphql-client.ts';
import { startTestHub, TEST_KEYS } from '../support/hub.ts';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.ts';

const refuses: HubHandler = {
  name: 'cli-refuses',
  eventTypes: ['cli.refused.>'],
  priority: 0,
  async handle() {
    throw new Error('refused for the CLI test');
  },
};
const replayed: HubHandler = { name: 'cli-replayed', eventTypes: ['cli.replay.>'], priority: 0, async handle() {} };

async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 10_000): Promise<void> {
  for (const start = Date.now(); !(await condition()); await sleep(25)) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
  }
}

describe('the event-hub command line against a running hub', () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let proxy: TcpProxy;
  let dir: string;
  const env = () => ({ HUB_URL: hub.url, HUB_TOKEN: TEST_KEYS.acme });
  const stored = async (types: string[]) =>
    (await hub.services.store.query('acme', { filter: compileFilter({ types }), first: 1000, order: 'ASC' })).events;

  before(async () => {
    hub = await startTestHub(
      { HUB_HANDLER_MAX_ATTEMPTS: '1', HUB_HANDLER_POLL_MS: '100' },
      { handlers: [...builtIn, refuses, replayed] },
    );
    proxy = await startTcpProxy(hub.url);
    dir = mkdtempSync(join(tmpdir(), 'event-hub-cli-'));
  });
  after(async () => {
    await proxy.close();
    await hub.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('publishes a JSON argument and NDJSON from stdin in batches, one result line each with --json', async () => {
    const one = await runCli(['publish', '--json', JSON.stringify(publishInput({ type: 'cli.publish.one' }))], {
      env: env(),
    });
    assert.equal(one.code, 0, one.stderr);
    assert.deepEqual(
      one.json().map((result) => [result['status'], result['event']['type']]),
      [['ACCEPTED', 'cli.publish.one']],
    );
    const lines = [1, 2, 3, 4, 5].map((n) => JSON.stringify({ type: 'cli.publish.many', payload: { n } })).join('\n');
    const many = await runCli(['publish', '--json', '--batch-size', '2', '--source', 'MANUAL:cli-test'], {
      env: env(),
      stdin: `${lines}\n`,
    });
    assert.equal(many.code, 0, many.stderr);
    assert.equal(many.json().length, 5);
    const events = await stored(['cli.publish.many']);
    assert.deepEqual(
      events.map((event) => [event.payload['n'], event.source.id]),
      [1, 2, 3, 4, 5].map((n) => [n, 'cli-test']),
    );
  });

  it('exits 1 and says why when an event is rejected', async () => {
    const run = await runCli(['publish', JSON.stringify(publishInput({ type: 'Not A Type' }))], { env: env() });
    assert.equal(run.code, 1);
    assert.match(run.stdout, /REJECTED\s+BAD_USER_INPUT/);
    assert.match(run.stderr, /1 event\(s\) rejected/);
  });

  it('searches with the filter flags, page by page, printing events in the GraphQL shape', async () => {
    await hub.services.store.append(
      [1, 2, 3, 4, 5].map((n) => pendingEvent({ type: 'cli.search.item', payload: { n } })),
    );
    const run = await runCli(
      [
        'events',
        '--json',
        '--type',
        'cli.search.*',
        '--where',
        'payload.n>=2',
        '--order',
        'ASC',
        '--page-size',
        '2',
        '--limit',
        '3',
      ],
      { env: env() },
    );
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      run.json().map((event) => event['payload']['n']),
      [2, 3, 4],
    );
    assert.deepEqual(Object.keys(run.json()[0]!).sort(), [
      'id',
      'metadata',
      'payload',
      'position',
      'receivedAt',
      'source',
      'subject',
      'tenantId',
      'timestamp',
      'type',
      'version',
    ]);
  });

  it('tails a pattern and, after its connection is cut and refused for a while, resumes without a gap or a repeat', async () => {
    const tail = startCli(['tail', 'cli.tail.>', '--json', '--count', '4'], { env: { ...env(), HUB_URL: proxy.url } });
    await until(() => hub.services.live.size >= 1, 'the tail subscribed');
    for (const n of [1, 2])
      await gql(
        hub.url,
        'mutation($i: PublishEventInput!) { publishEvent(input: $i) { status } }',
        { i: publishInput({ type: 'cli.tail.item', payload: { n } }) },
        TEST_KEYS.acme,
      );
    await until(() => tail.stdout().split('\n').filter(Boolean).length === 2, 'the first two events tailed');
    proxy.down();
    proxy.cut();
    await until(() => hub.services.live.size === 0, 'the hub saw the socket go');
    for (const n of [3, 4])
      await gql(
        hub.url,
        'mutation($i: PublishEventInput!) { publishEvent(input: $i) { status } }',
        { i: publishInput({ type: 'cli.tail.item', payload: { n } }) },
        TEST_KEYS.acme,
      );
    await sleep(300); // a reconnect or two is refused meanwhile
    proxy.up();
    const run = await tail.done;
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(
      run.json().map((event) => event['payload']['n']),
      [1, 2, 3, 4],
    );
    assert.match(run.stderr, /resuming after \d+/);
  });

  it('exports to a file, resuming a cut export, and reports the count and next position with --json', async () => {
    await hub.services.store.append(
      Array.from({ length: 3000 }, (_, n) => pendingEvent({ type: 'cli.export.item', payload: { n } })),
    );
    proxy.cutAfter(20_000); // bytes of gzip: a few hundred events in
    const out = join(dir, 'export.ndjson');
    const run = await runCli(['export', '--json', '--type', 'cli.export.item', '--out', out], {
      env: { ...env(), HUB_URL: proxy.url },
    });
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stderr, /export cut after \d+ events; resuming/);
    const lines = readFileSync(out, 'utf8')
      .trimEnd()
      .split('\n')
      .map((line) => JSON.parse(line) as { position: string; payload: { n: number } });
    assert.deepEqual(
      lines.map((event) => event['payload']['n']),
      Array.from({ length: 3000 }, (_, n) => n),
    );
    assert.deepEqual(run.json(), [{ events: 3000, next: lines.at(-1)!['position'], file: out }]);
  });

  it('starts a replay and follows it live to its end; status shows the finished job', async () => {
    await hub.services.store.append([1, 2, 3].map((n) => pendingEvent({ type: 'cli.replay.item', payload: { n } })));
    const started = await runCli(['replay', 'start', '--json', '--target', 'HANDLERS', '--type', 'cli.replay.>'], {
      env: env(),
    });
    assert.equal(started.code, 0, started.stderr);
    const [job] = started.json();
    assert.deepEqual([job?.['status'], job?.['progress'], job?.['total']], ['COMPLETED', 1, 3]);
    assert.match(started.stderr, /replay \S+ started/);
    const status = await runCli(['replay', 'status', job!['id'], '--json'], { env: env() });
    assert.deepEqual(
      status.json().map((j) => [j['id'], j['status']]),
      [[job!['id'], 'COMPLETED']],
    );
    const detached = await runCli(
      ['replay', 'start', '--json', '--detach', '--dry-run', '--target', 'HANDLERS', '--type', 'cli.replay.>'],
      { env: env() },
    );
    assert.equal(detached.json()[0]?.['dryRun'], true);
  });

  it('lists dead letters and redrives them', async () => {
    await gql(
      hub.url,
      'mutation($i: PublishEventInput!) { publishEvent(input: $i) { status } }',
      { i: publishInput({ type: 'cli.refused.item' }) },
      TEST_KEYS.acme,
    );
    type Letter = { id: string; handler: string; event: { type: string } };
    let letters: Letter[] = [];
    await until(async () => {
      letters = (
        await runCli(['dead-letters', 'list', '--json', '--type', 'cli.refused.>'], { env: env() })
      ).json<Letter>();
      return letters.length > 0;
    }, 'a dead letter');
    assert.equal(letters[0]!['handler'], 'cli-refuses');
    assert.equal(letters[0]!['event']['type'], 'cli.refused.item');
    const redrive = await runCli(['dead-letters', 'redrive', '--json', letters[0]!['id']], { env: env() });
    assert.deepEqual(redrive.json(), [{ queued: 1 }]);
  });

  it('exits 2 on a usage error, 1 on a refused token, 0 for help', async () => {
    const unknown = await runCli(['events', '--bogus'], { env: env() });
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /unknown option '--bogus'/);
    assert.equal((await runCli(['replay', 'status'], { env: env() })).code, 2, 'a missing argument');
    assert.equal(
      (await runCli(['events', '--where', 'no-operator'], { env: env() })).code,
      2,
      'a malformed flag value',
    );
    const refused = await runCli(['events', '--token', 'not-a-key-of-this-hub-0000'], { env: { HUB_URL: hub.url } });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /UNAUTHENTICATED/);
    assert.equal((await runCli(['--help'])).code, 0);
  });

  it('serves a hub as npm start does, until SIGTERM', async () => {
    const serve = startCli(['serve', '--host', '127.0.0.1', '--port', '0'], {
      env: {
        LOG_LEVEL: 'info',
        HUB_API_KEYS: JSON.stringify([{ key: TEST_KEYS.acme, tenant: 'acme', scopes: ['query'] }]),
      },
    });
    await until(() => serve.stdout().includes('event hub listening'), 'the hub listening', 30_000);
    const url = /"url":"(http:[^"]+)\/graphql"/.exec(serve.stdout())![1]!;
    const search = await runCli(['events', '--json'], { env: { HUB_URL: url, HUB_TOKEN: TEST_KEYS.acme } });
    assert.deepEqual([search.code, search.stdout], [0, '']);
    serve.child.kill('SIGTERM');
    assert.equal((await serve.done).code, 0);
  });
});

describe('the event-hub command line and webhook endpoints', () => {
  const ADMIN_KEY = 'acme-cli-admin-key-00000000001';
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  let receiver: Server;
  let receiverUrl: string;
  const received: string[] = [];

  before(async () => {
    hub = await startTestHub({
      HUB_API_KEYS: JSON.stringify([{ key: ADMIN_KEY, tenant: 'acme', scopes: ['admin'] }]),
      HUB_WEBHOOK_ALLOW_PRIVATE: 'true',
      HUB_WEBHOOK_POLL_MS: '100',
    });
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk));
      req.on('end', () => {
        received.push(body);
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  after(async () => {
    await hub.stop();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  });

  it('creates an endpoint, lists it, shows its deliveries, and redrives nothing of another’s', async () => {
    const env = { HUB_URL: hub.url, HUB_TOKEN: ADMIN_KEY };
    const created = await runCli(
      ['endpoints', 'create', '--json', '--type', 'cli.hook.>', '-d', 'cli test', receiverUrl],
      { env },
    );
    assert.equal(created.code, 0, created.stderr);
    const [{ endpoint, secret }] = created.json() as [
      { endpoint: { id: string; url: string; status: string }; secret: string },
    ];
    assert.deepEqual([endpoint.url, endpoint.status], [receiverUrl, 'ENABLED']);
    assert.match(secret, /^whsec_/);

    const published = await runCli(['publish', '--json', JSON.stringify(publishInput({ type: 'cli.hook.made' }))], {
      env,
    });
    assert.equal(published.code, 0, published.stderr);
    await until(() => received.length === 1, 'the delivery');
    assert.equal(JSON.parse(received[0]!).type, 'cli.hook.made');

    const listed = await runCli(['endpoints', 'list', '--json'], { env });
    assert.deepEqual(
      listed.json().map((e) => e['id']),
      [endpoint.id],
    );
    let deliveries: { status: string }[] = [];
    await until(async () => {
      deliveries = (await runCli(['endpoints', 'deliveries', '--json', endpoint.id], { env })).json<{
        status: string;
      }>();
      return deliveries.some((d) => d['status'] === 'DELIVERED');
    }, 'the delivery recorded as DELIVERED');
    assert.equal(deliveries.length, 1);
    const redrive = await runCli(['endpoints', 'redrive', '--json', '00000000-0000-7000-8000-000000000000'], { env });
    assert.deepEqual(redrive.json(), [{ queued: 0 }]);
  });
});
