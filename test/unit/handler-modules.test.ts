import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { exampleHandlers as builtIn } from '../../examples/handlers/index.ts';
import { HandlerModuleError, loadHandlerModules } from '../../src/handlers/load-handler-modules.ts';

const dir = mkdtempSync(join(tmpdir(), 'hub-handler-modules-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Writes an ES module into the temporary folder and returns its absolute path. */
function moduleFile(name: string, source: string): string {
  const path = join(dir, name);
  writeFileSync(path, source);
  return path;
}

const rejects = (paths: string[], message: RegExp) =>
  assert.rejects(
    loadHandlerModules(paths, builtIn),
    (error: unknown) => error instanceof HandlerModuleError && message.test(error.message),
  );

describe('HUB_HANDLER_MODULES', () => {
  it('loads a default-exported handler and an array of them after the built-in ones, with priority defaulting to 0', async () => {
    const one = moduleFile(
      'one.mjs',
      `export default { name: 'audit-log', eventTypes: ['crm.>'], async handle() {} };`,
    );
    const many = moduleFile(
      'many.mjs',
      `export default [
      { name: 'a-1', eventTypes: ['crm.contact.created'], priority: 5, timeoutMs: 200, async handle() {} },
      { name: 'a-2', eventTypes: ['crm.*.deleted'], async handle() {} },
    ];`,
    );
    const loaded = await loadHandlerModules([one, many], builtIn);
    assert.deepEqual(
      loaded.map((h) => h.name),
      [...builtIn.map((h) => h.name), 'audit-log', 'a-1', 'a-2'],
    );
    assert.deepEqual(loaded.map((h) => h.priority).slice(-3), [0, 5, 0]);
    assert.equal(loaded.at(-2)?.timeoutMs, 200);
    assert.equal(typeof loaded.at(-1)?.handle, 'function');
  });

  it('names the file and the problem when a module is missing, has no default export or exports no handler', async () => {
    await rejects([join(dir, 'nope.mjs')], /cannot load .*nope\.mjs/);
    await rejects([moduleFile('named.mjs', `export const handler = {};`)], /named\.mjs: has no default export/);
    await rejects([moduleFile('empty.mjs', `export default [];`)], /empty\.mjs: exports an empty array/);
    await rejects(['relative/handler.mjs'], /"relative\/handler\.mjs" is not an absolute path/);
  });

  it('refuses a handler without a valid name, types or handle function, saying which entry', async () => {
    await rejects(
      [moduleFile('no-handle.mjs', `export default { name: 'x', eventTypes: ['a.b'] };`)],
      /no-handle\.mjs: handle must be a function/,
    );
    await rejects(
      [moduleFile('bad-name.mjs', `export default { name: 'Bad Name', eventTypes: ['a.b'], async handle() {} };`)],
      /bad-name\.mjs: name must be 1-64/,
    );
    await rejects(
      [moduleFile('no-types.mjs', `export default { name: 'x', eventTypes: [], async handle() {} };`)],
      /eventTypes must list at least one/,
    );
    await rejects(
      [
        moduleFile(
          'bad-type.mjs',
          `export default [{ name: 'ok', eventTypes: ['a.b'], async handle() {} }, { name: 'y', eventTypes: ['Not A Type'], async handle() {} }];`,
        ),
      ],
      /bad-type\.mjs \[1\]: .*Not A Type/,
    );
  });

  it('refuses two handlers with one name, also against a built-in one', async () => {
    const clash = moduleFile(
      'clash.mjs',
      `export default { name: '${builtIn[0]!.name}', eventTypes: ['a.b'], async handle() {} };`,
    );
    await rejects([clash], new RegExp(`two handlers are named "${builtIn[0]!.name}"`));
  });

  it('loads a handler that shadows a loaded live handler, keeping whom it shadows', async () => {
    const both = moduleFile(
      'shadow-ok.mjs',
      `export default [
      { name: 'ship', eventTypes: ['sales.>'], async handle() {} },
      { name: 'ship-next', shadows: 'ship', eventTypes: ['sales.>'], async handle() {} },
    ];`,
    );
    const loaded = await loadHandlerModules([both], builtIn);
    assert.deepEqual(
      loaded.slice(-2).map((h) => [h.name, h.shadows]),
      [
        ['ship', undefined],
        ['ship-next', 'ship'],
      ],
    );
  });

  it('refuses a shadows that names no loaded handler, itself, or another shadow', async () => {
    await rejects(
      [
        moduleFile(
          'shadow-missing.mjs',
          `export default { name: 'x', shadows: 'nobody', eventTypes: ['a.b'], async handle() {} };`,
        ),
      ],
      /"x" shadows "nobody", which is not loaded/,
    );
    await rejects(
      [
        moduleFile(
          'shadow-self.mjs',
          `export default { name: 'x', shadows: 'x', eventTypes: ['a.b'], async handle() {} };`,
        ),
      ],
      /"x" shadows "x", which does not run live/,
    );
    await rejects(
      [
        moduleFile(
          'shadow-chain.mjs',
          `export default [
        { name: 'a', eventTypes: ['a.b'], async handle() {} },
        { name: 'b', shadows: 'a', eventTypes: ['a.b'], async handle() {} },
        { name: 'c', shadows: 'b', eventTypes: ['a.b'], async handle() {} },
      ];`,
        ),
      ],
      /"c" shadows "b", which does not run live/,
    );
    await rejects(
      [
        moduleFile(
          'shadow-bad.mjs',
          `export default { name: 'x', shadows: 'Not A Name', eventTypes: ['a.b'], async handle() {} };`,
        ),
      ],
      /shadows must name a handler/,
    );
  });
});

describe('a plain hub', () => {
  it('runs no business handler of its own; the examples load as a module like any other', async () => {
    const { handlers: plain } = await import('../../handlers/index.ts');
    assert.deepEqual(plain, []);
    const examples = fileURLToPath(new URL('../../examples/handlers/index.ts', import.meta.url));
    const loaded = await loadHandlerModules([examples], plain);
    assert.deepEqual(
      loaded.map((h) => h.name),
      ['request-shipment', 'customer-order-totals'],
    );
  });
});
