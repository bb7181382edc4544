// The servers a run needs: Redis and the MongoDB-wire server (FerretDB), each started on a free
// loopback port unless REDIS_URL / MONGODB_URL already point at a running one.
import { join } from 'node:path';
import { ensureDebianTools } from './debian.mjs';
import { running, say } from './proc.mjs';

/**
 * Starts what `env` lacks, under `dir`, and sets env.REDIS_URL and env.MONGODB_URL; when it starts
 * FerretDB it also sets env.FERRETDB_BIN, so tests can start a server of their own to kill.
 * `extraTools` ({ executable, pkg }) are Debian packages the caller needs too: they go into the
 * same apt-get call as redis-server, since parallel apt-get runs fight over the dpkg lock.
 */
export async function startServers(env, dir, { extraTools = [] } = {}) {
  await ensureDebianTools([
    ...extraTools,
    ...(env.REDIS_URL ? [] : [{ executable: 'redis-server', pkg: 'redis-server' }]),
  ]);
  const starts = [];
  if (env.REDIS_URL) say(`Redis: using REDIS_URL ${env.REDIS_URL}`);
  else {
    const { startRedis } = await import('./redis.mjs');
    starts.push(startRedis(join(dir, 'redis')).then((redis) => (env.REDIS_URL = redis.url)));
  }
  if (env.MONGODB_URL) say(`MongoDB: using MONGODB_URL ${env.MONGODB_URL}`);
  else {
    const { startFerretdb } = await import('./ferretdb.mjs');
    starts.push(
      startFerretdb(join(dir, 'ferretdb')).then((mongo) => {
        env.MONGODB_URL = mongo.url;
        env.FERRETDB_BIN = mongo.bin;
      }),
    );
  }
  const failures = (await Promise.allSettled(starts)).filter((result) => result.status === 'rejected');
  if (failures.length) {
    throw new Error(`could not start the servers:\n${failures.map((failure) => failure.reason.message).join('\n\n')}`);
  }
  say(`servers ready: REDIS_URL=${env.REDIS_URL} MONGODB_URL=${env.MONGODB_URL}`);
}

/** Stops every server this process started. */
export async function stopServers() {
  await Promise.all([...running].map((server) => server.stop()));
}

/** The env of a run: the caller's, with empty REDIS_URL / MONGODB_URL treated as unset. */
export function serverEnv() {
  const env = { ...process.env };
  for (const name of ['REDIS_URL', 'MONGODB_URL']) if (!env[name]) delete env[name];
  return env;
}
