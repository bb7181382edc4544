// readTieredRange: cold segments through the archive's floor, then the archive, each event once,
// even when retention moves more of the range while it is read.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { ColdStore } from '../../src/cold/cold-store.ts';
import { createFsColdStore } from '../../src/cold/fs-cold-store.ts';
import { readTieredRange } from '../../src/cold/read-tiers.ts';
import { encodeSegment } from '../../src/cold/segment.ts';
import { isHubError } from '../../src/errors.ts';
import type { HubEvent } from '../../src/events/event.ts';
import { compileFilter } from '../../src/filter/index.ts';
import type { EventStore } from '../../src/store/event-store.ts';
import { createMemoryEventStore } from '../../src/store/memory-event-store.ts';
import { pendingEvent } from '../support/fixtures.ts';

const ALL = compileFilter(null);
const OLD = new Date('2024-03-01T10:00:00Z');

describe('reading a range across cold segments and the archive', () => {
  let store: EventStore;
  let cold: ColdStore;
  let dir: string;
  let events: HubEvent[];

  /** What the retention job does for one segment: write it, then delete its events from the archive. */
  async function move(from: number, to: number): Promise<void> {
    const { manifest, data } = await encodeSegment(events.slice(from, to + 1));
    await cold.write(manifest, data);
    await store.deleteRange('acme', { upTo: manifest.lastPosition, receivedBefore: new Date('2024-03-02') });
  }

  beforeEach(async () => {
    store = createMemoryEventStore({ idempotencyWindowMs: 60_000 });
    dir = await mkdtemp(join(tmpdir(), 'hub-tiers-'));
    cold = createFsColdStore({ root: dir });
    const outcomes = await store.append(
      Array.from({ length: 6 }, (_, n) => pendingEvent({ receivedAt: new Date(OLD.getTime() + n), payload: { n } })),
    );
    events = outcomes.map((outcome) => (outcome as { event: HubEvent }).event);
  });
  afterEach(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('gives every event once in order when retention moves part of the range while it is being read', async () => {
    await move(0, 1);
    const range = await readTieredRange(store, cold, 'acme', { after: 0, filter: ALL, batch: 1 });
    const read: HubEvent[] = [];
    for await (const page of range.pages) {
      read.push(...page);
      // Right after the first archive page, the job moves the next two events.
      if (read.length === 3) await move(2, 4);
    }
    assert.deepEqual(
      read.map((event) => event.id),
      events.map((event) => event.id),
    );
    assert.equal(range.head, events.at(-1)!.position);
  });

  it('is the archive alone when no cold tier is configured: a cursor below the floor is CURSOR_EXPIRED', async () => {
    await move(0, 1);
    await assert.rejects(
      readTieredRange(store, null, 'acme', { after: 0, filter: ALL, batch: 10 }),
      (error) => isHubError(error) && error.code === 'CURSOR_EXPIRED',
    );
  });

  it('ends with COLD_SEGMENT_DAMAGED when the floor is past every segment the cold store still holds', async () => {
    await move(0, 1);
    await move(2, 3);
    const [, newest] = await cold.list('acme');
    await cold.delete(newest!);
    const range = await readTieredRange(store, cold, 'acme', { after: 0, filter: ALL, batch: 10 });
    await assert.rejects(
      range.pages.next(),
      (error) =>
        isHubError(error) &&
        error.code === 'COLD_SEGMENT_DAMAGED' &&
        error.extensions['firstPosition'] === String(events[2]!.position) &&
        error.extensions['resumeAfter'] === String(events[3]!.position),
    );
  });

  it('ends with COLD_SEGMENT_DAMAGED when a manifest does not parse, rather than a bare failure', async () => {
    await move(0, 1);
    const [segment] = await cold.list('acme');
    await writeFile(
      join(dir, 'acme', segment!.day, `${String(segment!.firstPosition).padStart(16, '0')}.manifest.json`),
      '{',
    );
    const range = await readTieredRange(store, cold, 'acme', { after: 0, filter: ALL, batch: 10 });
    await assert.rejects(range.pages.next(), (error) => isHubError(error) && error.code === 'COLD_SEGMENT_DAMAGED');
  });
});
