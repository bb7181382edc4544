// `npm run console:build`: type-checks the console, builds it with Vite into console/dist (which
// is committed, so a fresh clone's `npm start` serves it) and records the sources' hash there.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';
import { hashConsoleSources } from './console-sources.mjs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
execFileSync(process.execPath, [tsc, '-p', join(root, 'console', 'tsconfig.json')], { stdio: 'inherit' });
await build({ configFile: join(root, 'console', 'vite.config.ts'), logLevel: 'warn' });
const info = { sourceHash: hashConsoleSources(root) };
writeFileSync(join(root, 'console', 'dist', 'build-info.json'), `${JSON.stringify(info, null, 2)}\n`);
process.stderr.write(`console built into console/dist (sources ${info.sourceHash.slice(0, 12)})\n`);
