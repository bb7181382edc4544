// The hub for production: `npm run build` bundles src/main.ts and everything it imports, its
// dependencies included, into dist/hub/ as plain ES modules (types stripped, names kept, so stack
// traces read as the source does; each lazy import becomes a chunk that loads when first used).
// `npm run start:built` and the Docker image run it with no TypeScript loader; the bundle itself
// needs no node_modules (the image keeps them for handler modules only).
//
// Why a bundle: a hub started from its sources loads hundreds of modules (the bundle has 1,800
// inputs), and an idle hub's memory goes to them — the loader, and V8's and Node's records of each
// module — more than to its work. `npm run bench:idle -- --built` measures both side by side.
//
// dist/hub/ lies two folders below the root, as src/doors/ does: a module that finds a file
// relative to itself (the console's assets, `../../console/dist`) finds the same one when bundled.
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}dist/hub`;

rmSync(outdir, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: ['src/main.ts'],
  outdir,
  bundle: true,
  splitting: true,
  platform: 'node',
  format: 'esm',
  target: 'node20.19',
  // Bundled CommonJS packages call `require` for Node's modules, which an ES module lacks.
  banner: { js: "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);" },
  logLevel: 'warning',
});
process.stdout.write(`built ${outdir}/main.js\n`);
