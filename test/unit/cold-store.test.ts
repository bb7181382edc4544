// The filesystem ColdStore and the segment format: what retention relies on before it deletes anything.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ColdStore } from '../../src/cold/cold-store.ts';
import { createFsColdStore } from '../../src/cold/fs-cold-store.ts';
import { encodeSegment, verifySegment } from '../../src/cold/segment.ts';
import type { HubEvent } from '../../src/events/event.ts';
import { fromEventJson, toEventJson } from '../../src/events/event-json.ts';
import { pendingEvent } from '../support/fixtures.ts';

const event = (position: number, receivedAt = '2024-03-01T10:00:00Z', overrides: Partial<HubEvent> = {}): HubEvent => ({
  ...pendingEvent({ receivedAt: new Date(receivedAt), timestamp: new Date('2024-02-29T09:00:00Z') }),
  position,
  ...overrides,
});

describe('cold segments on a filesystem', () => {
  let root: string;
  let cold: ColdStore;
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'hub-cold-'));
    cold = createFsColdStore({ root });
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('writes each event as one NDJSON line of the GraphQL Event shape, and reads back what it wrote', async () => {
    const full = event(7, '2024-03-01T10:00:00Z', {
      subject: 'order/1',
      metadata: {
        correlationId: 'c',
        actor: { id: 'u', type: 'USER' },
        context: { type: 'CLIENT' },
        trace: { traceparent: `00-${'a'.repeat(32)}-${'b'.repeat(16)}-01`, traceId: 'a'.repeat(32) },
      },
    });
    const second = event(9);
    const { manifest, data } = await encodeSegment([full, second]);
    assert.deepEqual(await cold.write(manifest, data), manifest);
    const lines = gunzipSync(Buffer.from((await cold.read(manifest))!))
      .toString('utf8')
      .trimEnd()
      .split('\n');
    assert.deepEqual(JSON.parse(lines[0]!), toEventJson(full));
    assert.equal(JSON.parse(lines[0]!).metadata.context.id, null);
    assert.equal(JSON.parse(lines[0]!).position, '7');
    assert.deepEqual(await verifySegment(manifest, await cold.read(manifest)), [full, second]);
    assert.deepEqual(fromEventJson(toEventJson(full)), full);
  });

  it('never replaces a complete segment: a second write of the key returns the manifest already there', async () => {
    const first = await encodeSegment([event(1), event(2)]);
    const second = await encodeSegment([event(1), event(2), event(3)]);
    await cold.write(first.manifest, first.data);
    assert.deepEqual(await cold.write(second.manifest, second.data), first.manifest);
    assert.deepEqual(await verifySegment(first.manifest, await cold.read(first.manifest)).then((e) => e.length), 2);
    const files = await readdir(join(root, 'acme', '2024-03-01'));
    assert.equal(files.length, 2, `one manifest and its data, no leftovers: ${files.join(', ')}`);
  });

  it('refuses data that does not match its manifest', async () => {
    const { manifest, data } = await encodeSegment([event(1), event(2)]);
    await cold.write(manifest, data);
    await assert.rejects(verifySegment({ ...manifest, count: 3 }, data), /do not match the manifest/);
    await assert.rejects(verifySegment({ ...manifest, lastPosition: 3 }, data), /do not match the manifest/);
    const damaged = Buffer.from(data);
    damaged[damaged.length - 5]! ^= 0xff;
    await assert.rejects(verifySegment(manifest, damaged), /does not match its sha256/);
    await assert.rejects(verifySegment(manifest, null), /missing/);
  });

  it('lists complete segments only, by day range and up to a limit, and deletes idempotently', async () => {
    const days = ['2024-03-01T10:00:00Z', '2024-03-02T10:00:00Z', '2024-03-03T10:00:00Z'];
    for (const [i, day] of days.entries()) {
      const { manifest, data } = await encodeSegment([event(i + 1, day)]);
      await cold.write(manifest, data);
    }
    await writeFile(join(root, 'acme', '2024-03-03', '0000000000000009.abc.ndjson.gz'), 'no manifest: incomplete');
    assert.deepEqual(
      (await cold.list('acme')).map((s) => s.day),
      ['2024-03-01', '2024-03-02', '2024-03-03'],
    );
    assert.deepEqual(
      (await cold.list('acme', { fromDay: '2024-03-02', toDay: '2024-03-02' })).map((s) => s.firstPosition),
      [2],
    );
    assert.deepEqual(
      (await cold.list('acme', { limit: 1 })).map((s) => s.firstPosition),
      [1],
    );
    assert.deepEqual(await cold.list('globex'), []);
    const [oldest] = await cold.list('acme');
    await cold.delete(oldest!);
    await cold.delete(oldest!);
    assert.equal(await cold.manifest(oldest!), null);
    assert.deepEqual(
      (await cold.list('acme')).map((s) => s.firstPosition),
      [2, 3],
    );
  });

  it('refuses names that are not a tenant id and a day, so no path leaves its root', async () => {
    await assert.rejects(cold.list('../etc'), /not a segment path/);
    await assert.rejects(cold.manifest({ tenantId: 'acme', day: '../../x', firstPosition: 1 }), /not a segment path/);
  });
});
