// The console in the package is the one its sources build: a fresh clone's `npm start` serves
// console/dist as committed, so the build must follow every change to console/, stay small, and
// type-check like the rest of the project.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
// @ts-expect-error a plain .mjs helper shared with scripts/build-console.mjs, untyped
import { hashConsoleSources } from '../../scripts/console-sources.mjs';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DIST = join(ROOT, 'console', 'dist');
/** What the issue allows the first page load to cost. */
const INITIAL_LOAD_LIMIT = 200 * 1024;

it('is built from the current sources (run npm run console:build and commit console/dist when this fails)', () => {
  const info = JSON.parse(readFileSync(join(DIST, 'build-info.json'), 'utf8')) as { sourceHash: string };
  assert.equal(info.sourceHash, (hashConsoleSources as (root: string) => string)(ROOT));
});

it('loads at most 200 KB gzipped: the page and every script and stylesheet it names', () => {
  const html = readFileSync(join(DIST, 'index.html'));
  const assets = [...html.toString().matchAll(/(?:src|href)="\/console\/([^"]+)"/g)].map((match) => match[1]!);
  assert.ok(
    assets.some((asset) => asset.endsWith('.js')) && assets.some((asset) => asset.endsWith('.css')),
    assets.join(),
  );
  const sizes = [html, ...assets.map((asset) => readFileSync(join(DIST, asset)))].map(
    (body) => gzipSync(body, { level: 9 }).length,
  );
  const total = sizes.reduce((sum, size) => sum + size, 0);
  assert.ok(total <= INITIAL_LOAD_LIMIT, `initial load ${total} bytes gzipped`);
});

it('type-checks the console sources (console/tsconfig.json: DOM and Preact JSX)', { timeout: 120_000 }, async () => {
  const tsc = fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url));
  const result = await promisify(execFile)(process.execPath, [tsc, '-p', join(ROOT, 'console', 'tsconfig.json')], {
    cwd: ROOT,
  }).then(
    () => '',
    (error: { stdout?: string }) => error.stdout ?? String(error),
  );
  assert.equal(result, '', result);
});
