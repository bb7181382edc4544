// Preloaded into a hub process (NODE_OPTIONS=--import=<this file>): as the process exits it prints
// one JSON line, {"loadedPackages": [...]}, naming the CommonJS packages it loaded (the MongoDB
// driver and ioredis are CommonJS), so a test can check what a configuration pulls into memory.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

process.on('exit', () => {
  const names = new Set();
  for (const path of Object.keys(require.cache)) {
    const match = /.*node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
    if (match) names.add(match[1]);
  }
  process.stdout.write(`${JSON.stringify({ loadedPackages: [...names].sort() })}\n`);
});
