// The recording handlers of test/fixtures/recording-handlers.ts, as a hub process loads them: the
// environment that loads them and the calls they recorded.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { RecordedCall } from '../fixtures/recording-handlers.ts';

const MODULE = fileURLToPath(new URL('../fixtures/recording-handlers.ts', import.meta.url));

export interface Recorder {
  /** HUB_HANDLER_MODULES and RECORD_FILE for the hub processes. */
  env: { HUB_HANDLER_MODULES: string; RECORD_FILE: string };
  recordFile: string;
  /** Every call recorded so far, in the order they happened; only `handler`'s when given. */
  calls(handler?: string): RecordedCall[];
}

/** An empty record file in a directory of its own, removed when the test ends. */
export function recorder(t: TestContext): Recorder {
  const dir = mkdtempSync(join(tmpdir(), 'hub-recorder-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const recordFile = join(dir, 'calls.jsonl');
  writeFileSync(recordFile, '');
  return {
    env: { HUB_HANDLER_MODULES: MODULE, RECORD_FILE: recordFile },
    recordFile,
    calls: (handler) =>
      readFileSync(recordFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as RecordedCall)
        .filter((call) => handler === undefined || call.handler === handler),
  };
}
