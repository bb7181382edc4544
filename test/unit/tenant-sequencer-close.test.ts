// A tenant sequencer closed while it reads the store (the hub shutting down, its store closing
// under the read) neither logs the failed read nor retries it.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { createTenantSequencer } from '../../src/live/tenant-sequencer.ts';
import { createLogger } from '../../src/logger.ts';
import type { EventStore } from '../../src/store/event-store.ts';

it('drops a read that fails after close, without a warning or a retry', async () => {
  const lines: { msg: string }[] = [];
  const log = createLogger('debug', { write: (line: string) => void lines.push(JSON.parse(line)) });
  let reads = 0;
  let failRead!: (error: Error) => void;
  // The port's two calls the sequencer makes, nothing more: a store whose read is under the test's control.
  const store = {
    headPosition: async () => 0,
    readAfter: () => {
      reads++;
      return new Promise<never>((_, reject) => (failRead = reject));
    },
  } as unknown as EventStore;
  const sequencer = createTenantSequencer({
    tenantId: 'acme',
    store,
    dispatch: () => {},
    fail: () => {},
    log,
    fillBatch: 10,
    maxHeld: 100,
    reorderGraceMs: 0,
  });
  await sequencer.ready;
  sequencer.catchUp();
  assert.equal(reads, 1, 'the catch-up is reading');
  sequencer.close();
  failRead(new Error('Operation interrupted because client was closed'));
  await sleep(50);
  assert.deepEqual(
    lines.map((line) => line.msg),
    [],
  );
  assert.equal(reads, 1, 'no retry');
});
