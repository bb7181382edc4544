import { execFileSync } from 'node:child_process';

/**
 * What the MongoDB benchmarks (S2, S7) share about their servers: the URL
 * from the environment, refused clearly when absent, and a name for every
 * database a run creates so that runs never meet each other's data.
 */

/** MONGODB_URL, or exits with a message that says how to get one. */
export function requireMongoUrl(bench: string): string {
  const url = process.env['MONGODB_URL'];
  if (url) return url;
  process.stderr.write(
    `${bench} needs a MongoDB-wire server, and MONGODB_URL is not set.\n` +
      `Run it with the project's servers:  npm run with-servers -- npm run ${bench.toLowerCase().replace(/^s/, 'bench:s')}\n` +
      `or point MONGODB_URL at a running MongoDB 6/7 or FerretDB.\n`,
  );
  process.exit(2);
}

/** A database name unique to this run: `<prefix>_<time>_<pid>_<suffix>` (MongoDB allows 63 bytes). */
export function runDatabase(prefix: string, suffix: string): string {
  return `${prefix}_${Date.now().toString(36)}_${process.pid}_${suffix}`;
}

/** `KEY=VALUE` items (from a repeatable `--hub-env`) as an environment object. */
export function parseEnvItems(items: readonly string[] | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const item of items ?? []) {
    const at = item.indexOf('=');
    if (at < 1) throw new Error(`--hub-env takes KEY=VALUE, got "${item}"`);
    env[item.slice(0, at)] = item.slice(at + 1);
  }
  return env;
}

/** Which hub the numbers are for: the commit, and whether src/ has uncommitted changes (read-only git). */
export function hubVersion(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--', 'src', 'schema', 'resolvers', 'handlers'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return dirty ? `${commit} + uncommitted changes` : commit;
  } catch {
    return 'unknown (no git)';
  }
}
