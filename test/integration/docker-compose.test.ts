import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { CONFIG_VARIABLES } from '../../src/config.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const run = promisify(execFile);

/** No Docker engine runs here; `docker-compose config` (Debian's package, installed by npm test) still validates the file. */
it('docker-compose.yml is a valid compose file', async () => {
  const { stdout } = await run('docker-compose', ['-f', 'docker-compose.yml', 'config'], {
    cwd: ROOT,
    env: { ...process.env, HUB_API_KEYS: '', HUB_ALLOWED_ORIGINS: '' },
  });
  const resolved = parse(stdout);
  assert.deepEqual(Object.keys(resolved.services).sort(), ['hub', 'hub2', 'mongo', 'redis']);
  for (const name of ['mongo', 'redis']) assert.ok(resolved.services[name].healthcheck, `${name} has a health check`);
  for (const hub of ['hub', 'hub2']) {
    assert.equal(resolved.services[hub].depends_on.mongo.condition, 'service_healthy');
    assert.equal(resolved.services[hub].depends_on.redis.condition, 'service_healthy');
  }
  // Two hub processes on one MongoDB and one Redis, published on 4000 and 4001.
  // docker-compose 1.x prints a port as '127.0.0.1:4001:4000/tcp', Compose v2 as { published, target }.
  const published = (hub: string) =>
    resolved.services[hub].ports.map((port: string | { published: string | number }) =>
      typeof port === 'string' ? port.split(':').at(-2) : String(port.published),
    );
  assert.deepEqual([published('hub'), published('hub2')], [['4000'], ['4001']]);
  assert.deepEqual(resolved.services.hub2.environment, resolved.services.hub.environment);
});

it("the hub's environment in docker-compose.yml uses only variables the hub reads, and the ones it needs", () => {
  const compose = parse(readFileSync(`${ROOT}/docker-compose.yml`, 'utf8'));
  const names = Object.keys(compose.services.hub.environment);
  const unknown = names.filter((name) => !CONFIG_VARIABLES.includes(name));
  assert.deepEqual(unknown, [], 'every variable is one the config schema parses');
  for (const required of ['HOST', 'PORT', 'MONGODB_URL', 'REDIS_URL']) assert.ok(names.includes(required), required);
  assert.match(compose.services.mongo.command.join(' '), /--replSet/);
});

it('the Dockerfile builds the hub, starts it the way npm run start:built does and copies every source folder', () => {
  const dockerfile = readFileSync(`${ROOT}/Dockerfile`, 'utf8');
  const { scripts } = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as {
    scripts: Record<'build' | 'start:built', string>;
  };
  assert.match(dockerfile, /^RUN npm run build$/m);
  assert.match(dockerfile, /^COPY --from=build \/app\/dist \.\/dist$/m);
  const cmd = /^CMD (\[.*\])$/m.exec(dockerfile);
  assert.ok(cmd, 'the Dockerfile has an exec-form CMD');
  assert.equal((JSON.parse(cmd[1]!) as string[]).join(' '), scripts['start:built']);
  for (const folder of ['src', 'schema', 'resolvers', 'handlers', 'console/dist'])
    assert.match(dockerfile, new RegExp(`COPY ${folder} `));
  // The build stage copies what the build script reads.
  assert.match(dockerfile, /^COPY scripts\/build\.mjs /m);
});
