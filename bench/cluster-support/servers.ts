/**
 * What S5 and S6 need from their servers: the URLs from the environment,
 * refused with a message that says how to get them, and a database name per
 * run so that runs never meet each other's data.
 */

export type ServerUrl = 'MONGODB_URL' | 'REDIS_URL';

const WHAT: Record<ServerUrl, string> = {
  MONGODB_URL: 'a MongoDB-wire server (MongoDB 6/7 or FerretDB)',
  REDIS_URL: 'a Redis server',
};

/** The URLs `bench` needs, or exits (code 2) naming the missing ones and the command that provides them. */
export function requireUrls<const N extends ServerUrl>(
  bench: string,
  script: string,
  names: readonly N[],
): Record<N, string> {
  const missing = names.filter((name) => !process.env[name]);
  if (missing.length > 0) {
    process.stderr.write(
      `${bench} needs ${missing.map((name) => `${WHAT[name]} in ${name}`).join(' and ')}, and ${missing.join(' / ')} ${missing.length > 1 ? 'are' : 'is'} not set.\n` +
        `Run it with the project's servers:  npm run with-servers -- npm run ${script}\n` +
        `or point ${missing.join(' and ')} at running servers.\n`,
    );
    process.exit(2);
  }
  return Object.fromEntries(names.map((name) => [name, process.env[name]!])) as Record<N, string>;
}

/** A database name unique to this run: `<prefix>_<time>_<pid>[_<suffix>]` (MongoDB allows 63 bytes; the hub's MONGODB_DB 60). */
export function runDatabase(prefix: string, suffix = ''): string {
  return [prefix, Date.now().toString(36), process.pid, suffix].filter(Boolean).join('_');
}
