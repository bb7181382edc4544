import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** The whole project typechecks; compile-time tests (handler typing) live in @ts-expect-error lines. */
it('typechecks with tsc --noEmit', { timeout: 120_000 }, async () => {
  const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
  const result = await promisify(execFile)(process.execPath, [tsc, '--noEmit', '-p', ROOT], { cwd: ROOT }).then(
    () => '',
    (error: { stdout?: string }) => error.stdout ?? String(error),
  );
  assert.equal(result, '', result);
});
