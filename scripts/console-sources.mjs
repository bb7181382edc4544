// The console's sources and their hash: the build records it in console/dist/build-info.json,
// and test/unit/console-build.test.ts fails when the committed build is older than the sources.
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** Every file the build reads from the repository (not node_modules), sorted. */
export function consoleSources(root) {
  const dir = join(root, 'console');
  const files = ['index.html', 'vite.config.ts', 'tsconfig.json'].map((name) => join(dir, name));
  const walk = (path) => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const child = join(path, entry.name);
      if (entry.isDirectory()) walk(child);
      else files.push(child);
    }
  };
  walk(join(dir, 'src'));
  return files.map((file) => relative(root, file).split('\\').join('/')).sort();
}

/** SHA-256 over each source's path and bytes (line endings as stored). */
export function hashConsoleSources(root) {
  const hash = createHash('sha256');
  for (const file of consoleSources(root))
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(join(root, file)))
      .update('\0');
  return hash.digest('hex');
}
