// HUB_API_KEYS_FILE: API keys revoked or added by rewriting a file, without a restart.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import { createLogger } from '../../src/logger.ts';
import { errorCodes, gql } from '../support/graphql-client.ts';
import { startTestHub, TEST_KEYS } from '../support/hub.ts';
import { eventually, openSocket } from '../support/socket-probe.ts';
import type { TestHub } from '../support/store-hubs.ts';

const NEW_KEY = 'acme-key-added-while-running-01';
const ALL = ['publish', 'subscribe', 'query'];
const acme = { key: TEST_KEYS.acme, tenant: 'acme', scopes: ALL, name: 'acme-main' };
const globex = { key: TEST_KEYS.globex, tenant: 'globex', scopes: ALL };
const EVENTS = '{ events { edges { node { id } } } }';

describe('API keys from a watched file', () => {
  let dir: string;
  let keysPath: string;
  let hub: TestHub;
  const logLines: string[] = [];
  const codes = async (key: string) => errorCodes(await gql(hub.url, EVENTS, {}, key));
  const writeKeys = (keys: unknown) => writeFile(keysPath, typeof keys === 'string' ? keys : JSON.stringify(keys));

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hub-keys-'));
    keysPath = join(dir, 'keys.json');
    await writeKeys([acme, globex]);
    const log = createLogger('info', { write: (line: string) => void logLines.push(line) });
    hub = await startTestHub({ HUB_API_KEYS: '', HUB_API_KEYS_FILE: keysPath }, { log });
  });
  after(async () => {
    await hub.stop();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    await writeKeys([acme, globex]);
    assert.equal(await eventually(async () => (await codes(TEST_KEYS.acme)).length === 0), true);
  });

  it('serves the keys of the file', async () => {
    assert.deepEqual(await codes(TEST_KEYS.acme), []);
    assert.deepEqual(
      await codes(TEST_KEYS.acmeReadOnly),
      ['UNAUTHENTICATED'],
      'only the file counts, not HUB_API_KEYS',
    );
  });

  it('revokes a key removed from the file: its next request is UNAUTHENTICATED, and a key added is accepted', async () => {
    await writeKeys([globex, { key: NEW_KEY, tenant: 'acme', scopes: ['query'] }]);
    assert.equal(
      await eventually(async () => (await codes(NEW_KEY)).length === 0),
      true,
      'the added key is accepted within two seconds',
    );
    assert.deepEqual(await codes(TEST_KEYS.acme), ['UNAUTHENTICATED']);
    assert.deepEqual(await codes(TEST_KEYS.globex), [], 'a key that stayed keeps working');
  });

  it('closes with 4403 a socket whose key is revoked', async () => {
    const socket = openSocket(hub.url, `Bearer ${TEST_KEYS.acme}`);
    assert.equal(await socket.acked, true);
    socket.subscribe('live', 'subscription { events { id } }');
    await writeKeys([globex]);
    assert.deepEqual(await socket.closed, { code: 4403, reason: 'credentials revoked' });
  });

  it('closes with 4403 a socket whose key moves to another tenant or loses the subscribe scope', async () => {
    const moved = openSocket(hub.url, `Bearer ${TEST_KEYS.acme}`);
    const stripped = openSocket(hub.url, `Bearer ${TEST_KEYS.globex}`);
    assert.deepEqual(await Promise.all([moved.acked, stripped.acked]), [true, true]);
    await writeKeys([
      { ...acme, tenant: 'initech' },
      { ...globex, scopes: ['query'] },
    ]);
    assert.deepEqual(await moved.closed, { code: 4403, reason: 'credentials changed' });
    assert.deepEqual(await stripped.closed, { code: 4403, reason: 'credentials changed' });
  });

  it('keeps the last good keys, and logs an error, when the file is rewritten invalid or caught empty mid-write', async () => {
    for (const bad of ['[{"key": "acme-', '', JSON.stringify([{ key: 'short', tenant: 'acme', scopes: ['query'] }])]) {
      const errorsBefore = logLines.filter((line) => line.includes('keeping its last good version')).length;
      await writeKeys(bad);
      assert.equal(
        await eventually(
          async () => logLines.filter((line) => line.includes('keeping its last good version')).length > errorsBefore,
        ),
        true,
      );
      assert.deepEqual(await codes(TEST_KEYS.acme), [], JSON.stringify(bad));
    }
    assert.ok(!logLines.some((line) => line.includes(TEST_KEYS.acme)), 'a key in the log');
  });
});

describe('an API key file that lists no key', () => {
  it('keeps the hub closed: a caller without a key is UNAUTHENTICATED, not tenant "default"', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-keys-empty-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'keys.json'), '[]');
    const hub = await startTestHub({ HUB_API_KEYS: '', HUB_API_KEYS_FILE: join(dir, 'keys.json') });
    t.after(() => hub.stop());
    assert.deepEqual(errorCodes(await gql(hub.url, EVENTS)), ['UNAUTHENTICATED']);
  });
});
