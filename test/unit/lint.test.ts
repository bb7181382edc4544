import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const BIOME = fileURLToPath(new URL('../../node_modules/@biomejs/biome/bin/biome', import.meta.url));

/**
 * Formatting and lint as the test command sees them: `biome ci` writes nothing and fails on any
 * finding (biome.jsonc says what it checks; .gitignore keeps generated files out). Fix with
 * `npm run format`.
 */
it('is formatted and lint-free by Biome (biome ci .)', { timeout: 120_000 }, async () => {
  const output = await promisify(execFile)(
    process.execPath,
    [BIOME, 'ci', '--error-on-warnings', '--colors=off', '--max-diagnostics=50', '.'],
    { cwd: ROOT, maxBuffer: 16 * 1024 * 1024 },
  ).then(
    () => '',
    (error: { stdout?: string; stderr?: string }) => `${error.stdout ?? ''}${error.stderr ?? String(error)}`,
  );
  if (output !== '') assert.fail(output);
});
