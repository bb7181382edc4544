// HUB_CATALOG_DIR on a real directory: what is read at start, what stops the start, and files
// added, changed, broken and removed while the hub runs.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it, type TestContext } from 'node:test';
import { watchCatalogDirectory } from '../../src/catalog/catalog-directory.ts';
import { compileCatalogFile } from '../../src/catalog/catalog-file.ts';
import type { CatalogVersion } from '../../src/catalog/event-catalog.ts';
import { ConfigError } from '../../src/config.ts';
import { createLogger } from '../../src/logger.ts';
import { eventually } from '../support/socket-probe.ts';

const schema = (required: string[]) =>
  JSON.stringify({
    type: 'object',
    required,
    properties: Object.fromEntries(required.map((name) => [name, { type: 'string' }])),
  });

async function catalogDir(t: TestContext, files: Record<string, string> = {}) {
  const dir = await mkdtemp(join(tmpdir(), 'hub-catalog-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, name), text);
  /** Writes a file whole, as deploy tools do: a new file renamed over the old one. */
  const put = async (name: string, text: string) => {
    await writeFile(join(dir, `.${name}.tmp`), text);
    await rename(join(dir, `.${name}.tmp`), join(dir, name));
  };
  return { dir, put };
}

/** Watches `dir`, recording every set it is told and every error line it logs. */
async function watching(t: TestContext, dir: string) {
  const changes: (readonly CatalogVersion[])[] = [];
  const errors: { file?: string; reason?: string }[] = [];
  const log = createLogger('error', { write: (line: string) => void errors.push(JSON.parse(line)) });
  const watcher = await watchCatalogDirectory({
    dir,
    compile: (name, text) => compileCatalogFile(name, text, () => null),
    onChange: (v) => changes.push(v),
    log,
    intervalMs: 100,
  });
  t.after(() => watcher.close());
  const names = () => watcher.current.map((v) => `${v.type}@${v.version}`);
  return { watcher, changes, errors, names };
}

const startFailure = (dir: string) =>
  watchCatalogDirectory({
    dir,
    compile: (name, text) => compileCatalogFile(name, text, () => null),
    onChange: () => {},
    log: createLogger('silent'),
  });

describe('the catalog directory', () => {
  it('reads every <type>@<version>.json at start and leaves dot entries alone', async (t) => {
    const { dir } = await catalogDir(t, {
      'crm.contact.created@1.0.json': schema(['id']),
      'crm.contact.created@2.0.json': schema(['id', 'name']),
      '.swap': 'junk',
    });
    await mkdir(join(dir, '..data'));
    const { names } = await watching(t, dir);
    assert.deepEqual(names(), ['crm.contact.created@1.0', 'crm.contact.created@2.0']);
  });

  it('stops the start, naming the directory and the file, for a bad file or a name that is not type@version', async (t) => {
    for (const [name, text] of [
      ['crm.contact.created@1.0.json', '{"type":"objekt"}'],
      ['notes.txt', 'hello'],
      ['crm.contact.created@1.0.json', '{'],
    ] as const) {
      const { dir } = await catalogDir(t, { 'crm.good.one@1.0.json': schema([]), [name]: text });
      await assert.rejects(
        startFailure(dir),
        (error: unknown) =>
          error instanceof ConfigError && error.message.startsWith(`HUB_CATALOG_DIR (${dir}): ${name}: `),
        name,
      );
    }
    await assert.rejects(
      startFailure('/nonexistent/catalog'),
      (error: unknown) => error instanceof ConfigError && /ENOENT/.test(error.message),
    );
  });

  it('serves files added and changed while it runs, drops removed ones, and keeps the last good version of a file that turns bad', async (t) => {
    const { dir, put } = await catalogDir(t);
    const { watcher, changes, errors, names } = await watching(t, dir);
    assert.deepEqual(names(), []);

    await put('crm.contact.created@1.0.json', schema(['id']));
    assert.ok(await eventually(async () => names().includes('crm.contact.created@1.0')), 'added');
    const first = watcher.current[0]!;

    await put('crm.contact.created@1.0.json', '{"type": "object", "required": [');
    assert.ok(await eventually(async () => errors.length > 0), 'the bad rewrite is logged');
    assert.equal(errors[0]!.file, 'crm.contact.created@1.0.json');
    assert.match(errors[0]!.reason!, /not JSON/);
    assert.equal(watcher.current[0], first, 'the last good version stays');

    await put('crm.contact.created@1.0.json', schema(['id', 'name']));
    assert.ok(await eventually(async () => watcher.current[0] !== first), 'fixed');
    assert.deepEqual(watcher.current[0]!.check({ id: 'x' })?.path, ['name']);
    assert.equal(errors.length, 1, 'the bad version was logged once, not at every poll');

    await rm(join(dir, 'crm.contact.created@1.0.json'));
    assert.ok(await eventually(async () => names().length === 0), 'removed');
    assert.deepEqual(changes.at(-1), []);
  });

  it('does not report a file touched or rewritten with the same content', async (t) => {
    const { dir, put } = await catalogDir(t, { 'crm.contact.created@1.0.json': schema(['id']) });
    const { changes, names } = await watching(t, dir);
    await put('crm.contact.created@1.0.json', schema(['id']));
    await put('crm.other.thing@1.0.json', schema([])); // a real change after it, to know the watch has looked
    assert.ok(await eventually(async () => names().length === 2));
    assert.equal(changes.length, 1);
  });

  it('stops reading the directory once closed', async (t) => {
    const { dir, put } = await catalogDir(t);
    const { watcher, changes } = await watching(t, dir);
    watcher.close();
    await put('crm.contact.created@1.0.json', schema(['id']));
    // the only thing that can happen is a read; give both triggers time to fire if they were still there
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(changes, []);
  });
});
