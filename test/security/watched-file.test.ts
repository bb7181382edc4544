// The file watch under HUB_API_KEYS_FILE and HUB_JWT_JWKS_FILE: replaced files, touches, closing.
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { watchFileValue } from '../../src/auth/watched-file.ts';
import { createLogger } from '../../src/logger.ts';
import { eventually } from '../support/socket-probe.ts';

/** A watched JSON file in a fresh directory, and every value `onChange` was told. */
async function watched(t: TestContext, directoryEvents: boolean) {
  const dir = await mkdtemp(join(tmpdir(), 'hub-watch-'));
  const path = join(dir, 'value.json');
  await writeFile(path, '"v1"');
  const seen: unknown[] = [];
  const file = await watchFileValue({
    path,
    parse: (text) => JSON.parse(text) as unknown,
    onChange: (value) => seen.push(value),
    what: 'TEST_FILE',
    log: createLogger('silent'),
    intervalMs: 50,
    directoryEvents,
  });
  t.after(async () => {
    file.close();
    await rm(dir, { recursive: true, force: true });
  });
  const replace = async (text: string) => {
    await writeFile(`${path}.tmp`, text);
    await rename(`${path}.tmp`, path);
  };
  return { path, file, seen, replace };
}

describe('watched configuration files', () => {
  for (const directoryEvents of [true, false]) {
    it(`sees a file replaced by renaming a new one over it, again and again (${directoryEvents ? 'directory events' : 'polling only'})`, async (t) => {
      const { file, seen, replace } = await watched(t, directoryEvents);
      assert.equal(file.current, 'v1');
      for (const version of ['v2', 'v3']) {
        await replace(JSON.stringify(version));
        assert.equal(await eventually(async () => seen.at(-1) === version), true, version);
      }
      assert.equal(file.current, 'v3');
    });
  }

  it('does not report a file touched or rewritten with the same content', async (t) => {
    const { path, seen, replace } = await watched(t, true);
    const now = new Date();
    await utimes(path, now, now);
    await writeFile(path, '"v1"');
    await replace('"v2"'); // a real change after them, to know the watch has looked
    assert.equal(await eventually(async () => seen.length > 0), true);
    assert.deepEqual(seen, ['v2']);
  });

  it('stops reading the file once closed', async (t) => {
    const { file, seen, replace } = await watched(t, true);
    file.close();
    await replace('"v2"');
    // the only thing that can happen is a read; give both triggers time to fire if they were still there
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(seen, []);
    assert.equal(file.current, 'v1');
  });
});
