// GET /export across tiers: once the retention job has moved a tenant's old days to cold segments,
// an export reaching below the archive reads them first, then the archive, every event once in
// position order; another tenant's segments never appear; a damaged segment is a coded error.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, it } from 'node:test';
import { createFsColdStore } from '../../src/cold/fs-cold-store.ts';
import type { HubEvent } from '../../src/events/event.ts';
import { runCli } from '../support/cli.ts';
import { readExport, type ExportResult } from '../support/export-client.ts';
import { pendingEvent } from '../support/fixtures.ts';
import { TEST_API_KEYS } from '../support/hub.ts';
import { STORE_KINDS, startHubOn, type TestHub } from '../support/store-hubs.ts';

const KEYS = {
  acme: 'acme-tiers-key-0000000000001',
  globex: 'globex-tiers-key-00000000001',
  initech: 'initech-tiers-key-0000000001',
  umbrella: 'umbrella-tiers-key-000000001',
};
const API_KEYS = JSON.stringify([
  ...(JSON.parse(TEST_API_KEYS) as unknown[]),
  ...Object.entries(KEYS).map(([tenant, key]) => ({ key, tenant, scopes: ['publish', 'query'] })),
]);
const DAY = 86_400_000;

/** Two events on each of two days a week ago (they go cold), then `recent` received now (they stay). */
async function seed(hub: TestHub, tenantId: string, recent = 2): Promise<HubEvent[]> {
  const old = Date.now() - 8 * DAY;
  const received = [old, old + 1000, old + DAY, old + DAY + 1000].map((ms) => new Date(ms));
  const inputs = [
    ...received.map((receivedAt, n) => pendingEvent({ tenantId, receivedAt, type: n % 2 ? 'b.odd' : 'a.even' })),
    ...Array.from({ length: recent }, (_, n) => pendingEvent({ tenantId, type: n % 2 ? 'b.odd' : 'a.even' })),
  ];
  const outcomes = await hub.services.store.append(inputs);
  return outcomes.map((outcome) => (outcome as { event: HubEvent }).event);
}

/** Waits (the job runs every second) until the tenant's archive starts after `position`. */
async function movedThrough(hub: TestHub, tenantId: string, position: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while ((await hub.services.store.purgedThrough(tenantId)) < position) {
    assert.ok(Date.now() < deadline, `the retention job moved ${tenantId} through ${position} within 30 s`);
    await sleep(200);
  }
}

const positions = (lines: ExportResult['events']) => lines.map((line) => Number(line['position']));
const business = (lines: ExportResult['events']) => lines.filter((line) => !String(line['type']).startsWith('system.'));

for (const kind of STORE_KINDS) {
  describe(`GET /export across the archive and cold segments on the ${kind} store`, () => {
    let hub: TestHub;
    let dir: string;
    const seeded: Record<string, HubEvent[]> = {};

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'hub-export-cold-'));
      // HUB_COLD_DIR needs MongoDB; on the memory store the same filesystem tier is handed in.
      const cold = createFsColdStore({ root: dir });
      const env = {
        HUB_API_KEYS: API_KEYS,
        HUB_RETENTION_WARM: '1h',
        HUB_RETENTION_INTERVAL: '1s',
        // umbrella's old days go cold, then, a week old, are purged on a later run.
        HUB_RETENTION_POLICIES: JSON.stringify([{ tenant: 'umbrella', cold: '1d' }]),
      };
      hub = await startHubOn(kind, kind === 'mongodb' ? { ...env, HUB_COLD_DIR: dir } : env, { cold });
      for (const tenant of Object.keys(KEYS)) seeded[tenant] = await seed(hub, tenant);
      for (const tenant of Object.keys(KEYS)) await movedThrough(hub, tenant, seeded[tenant]![3]!.position);
    });
    after(async () => {
      await hub.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('exports every event once in position order from the cold segments through the archive, with the trailer at the last one', async () => {
      const events = seeded['acme']!;
      assert.equal((await hub.services.cold!.list('acme')).length, 2, 'two days went to two segments');
      const all = await readExport(hub.url, KEYS.acme);
      assert.equal(all.status, 200);
      assert.deepEqual(
        business(all.events).map((line) => line['id']),
        events.map((event) => event.id),
      );
      const order = positions(all.events);
      assert.deepEqual(
        order,
        [...order].sort((a, b) => a - b),
        'in position order',
      );
      assert.equal(new Set(order).size, order.length, 'each event once');
      assert.ok(
        all.events.every((line) => line['tenantId'] === 'acme'),
        "no other tenant's segment appears",
      );
      assert.equal(all.trailer?.next, String(order.at(-1)));
      const gzipped = await readExport(hub.url, KEYS.acme, {}, { gzip: true });
      assert.deepEqual(gzipped.events, all.events);

      const cli = await runCli(['export', '--json', '--no-progress'], {
        env: { HUB_URL: hub.url, HUB_TOKEN: KEYS.acme },
      });
      assert.equal(cli.code, 0, cli.stderr);
      assert.deepEqual(
        cli.stdout
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line)['id']),
        all.events.map((line) => line['id']),
        'event-hub export writes the same lines',
      );

      const again = await readExport(hub.url, KEYS.acme, { after: all.trailer!.next });
      assert.deepEqual(
        [again.events, again.trailer],
        [[], { next: all.trailer!.next }],
        'nothing new after the trailer',
      );
    });

    it('resumes after a cold position or an archive position with the rest, once, and filters cold events as archive ones', async () => {
      const events = seeded['acme']!;
      const all = (await readExport(hub.url, KEYS.acme)).events;
      for (const cut of [1, 2, 4]) {
        const rest = await readExport(hub.url, KEYS.acme, { after: String(events[cut]!.position) });
        assert.deepEqual(rest.events, all.slice(cut + 1), `after the event at index ${cut}`);
      }
      const odd = await readExport(hub.url, KEYS.acme, { filter: { types: ['b.odd'] } });
      assert.deepEqual(
        odd.events.map((line) => line['id']),
        events.filter((event) => event.type === 'b.odd').map((event) => event.id),
      );
      assert.equal(odd.trailer?.next, String(events.at(-1)!.position));
    });

    it("keeps each tenant to its own segments: globex's export holds globex's events and nothing of acme's", async () => {
      const globex = await readExport(hub.url, KEYS.globex);
      assert.deepEqual(
        business(globex.events).map((line) => line['id']),
        seeded['globex']!.map((event) => event.id),
      );
      assert.ok(globex.events.every((line) => line['tenantId'] === 'globex'));
    });

    it('purges segments past their cold retention: the export then starts at the oldest event left, and the purge is recorded', async () => {
      const events = seeded['umbrella']!;
      const deadline = Date.now() + 30_000;
      while ((await hub.services.cold!.list('umbrella')).length > 0) {
        assert.ok(Date.now() < deadline, 'purged within 30 s');
        await sleep(200);
      }
      const left = await readExport(hub.url, KEYS.umbrella);
      assert.equal(left.status, 200);
      assert.deepEqual(
        business(left.events).map((line) => line['id']),
        events.slice(4).map((event) => event.id),
      );
      const purged = left.events.filter((line) => line['type'] === 'system.retention.purged');
      assert.deepEqual(
        purged.map((line) => (line['payload'] as { count: number }).count),
        [2, 2],
        'each purged segment is recorded with its count',
      );
    });

    it('refuses with COLD_SEGMENT_DAMAGED before the first line when the first segment it needs is damaged, and ends with an error line when a later one is', async () => {
      const events = seeded['initech']!;
      const [first, second] = await hub.services.cold!.list('initech');
      const data = (day: string) =>
        readdir(join(dir, 'initech', day)).then((names) =>
          join(dir, 'initech', day, names.find((n) => n.endsWith('.gz'))!),
        );
      await writeFile(await data(second!.day), 'not what the manifest says');

      const cut = await readExport(hub.url, KEYS.initech);
      assert.equal(cut.status, 200, 'the first segment is sound, so lines flow');
      assert.deepEqual(
        cut.events.map((line) => line['id']),
        events.slice(0, 2).map((event) => event.id),
      );
      assert.equal(cut.trailer, null, 'no trailer: the export did not finish');
      assert.equal(cut.errorLine?.['code'], 'COLD_SEGMENT_DAMAGED');
      assert.equal(cut.errorLine?.['next'], String(events[1]!.position), 'where the lines written stop');
      assert.equal(cut.errorLine?.['resumeAfter'], String(second!.lastPosition));

      const cli = await runCli(['export', '--no-progress'], { env: { HUB_URL: hub.url, HUB_TOKEN: KEYS.initech } });
      assert.equal(cli.code, 1, 'event-hub export fails rather than report a finished export');
      assert.equal(cli.stdout.split('\n').filter(Boolean).length, 2, 'the sound lines are written');
      assert.match(cli.stderr, /COLD_SEGMENT_DAMAGED: .*complete through \d+; --after (\d+) skips/);

      const refused = await readExport(hub.url, KEYS.initech, { after: String(first!.lastPosition) });
      assert.equal(refused.status, 500);
      assert.equal(refused.problem?.['code'], 'COLD_SEGMENT_DAMAGED');
      assert.equal(refused.problem?.['day'], second!.day);

      await rm(await data(first!.day));
      const missing = await readExport(hub.url, KEYS.initech);
      assert.equal(missing.problem?.['code'], 'COLD_SEGMENT_DAMAGED', 'a segment whose data is gone is no silent gap');

      const skipped = await readExport(hub.url, KEYS.initech, { after: String(refused.problem!['resumeAfter']) });
      assert.deepEqual(
        business(skipped.events).map((line) => line['id']),
        events.slice(4).map((event) => event.id),
        'resumeAfter reads on past the damage',
      );
    });
  });
}
