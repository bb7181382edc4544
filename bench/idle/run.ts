import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { spawnChild } from '../live-support/ipc.ts';
import { settledStats, type ProcessStats } from '../live-support/process-stats.ts';

/**
 * An idle hub's memory: the embedded hub (bench/live-support/hub-server.ts)
 * started and left without traffic for `--seconds`, then read as it is (what
 * `ps` shows: V8 may or may not have shrunk its young generation by then) and
 * after full GCs. With `--baseline <checkout>` that checkout's hub is started
 * beside it; with `--built`, the built hub (`npm run build`, then dist/hub/main.js
 * as `npm run start:built` runs it, without tsx) as `built`. Runs on the Node that runs it (`process.execPath`);
 * `--node-flags=--max-semi-space-size=16` passes V8 flags. See BENCHMARKS.md.
 */
const { values: args } = parseArgs({
  options: {
    seconds: { type: 'string', default: '60' },
    baseline: { type: 'string' },
    'node-flags': { type: 'string', default: '' },
    built: { type: 'boolean', default: false },
  },
});
const seconds = Number(args.seconds);
const flags = args['node-flags'].split(' ').filter(Boolean);
const servers: Record<string, { entry: string; cwd?: string; tsx?: boolean }> = {
  hub: { entry: fileURLToPath(new URL('../live-support/hub-server.ts', import.meta.url)) },
  ...(args.built && { built: { entry: fileURLToPath(new URL('built-hub.mjs', import.meta.url)), tsx: false } }),
  ...(args.baseline && {
    base: { entry: join(resolve(args.baseline), 'bench/live-support/hub-server.ts'), cwd: resolve(args.baseline) },
  }),
};
if (args.built) execFileSync(process.execPath, [fileURLToPath(new URL('../../scripts/build.mjs', import.meta.url))]);

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
const children = await Promise.all(
  Object.entries(servers).map(async ([name, { entry, cwd, tsx }]) => ({
    name,
    child: await spawnChild(name, entry, [], {
      execArgv: ['--expose-gc', ...flags],
      ...(cwd && { cwd }),
      ...(tsx === false && { tsx, env: { PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' } }),
    }),
  })),
);
try {
  process.stdout.write(`idle hub on Node ${process.version} ${flags.join(' ')}: ${seconds} s without traffic\n`);
  await new Promise((done) => setTimeout(done, seconds * 1000));
  const lines = ['| server | RSS / heap used MB, idle | RSS / heap used MB, after full GCs |', '|---|---:|---:|'];
  for (const { name, child } of children) {
    const idle = await child.call<ProcessStats>('stats');
    const settled = await settledStats((cmd) => child.call(cmd));
    lines.push(`| ${name} | ${mb(idle.rss)} / ${mb(idle.heapUsed)} | ${mb(settled.rss)} / ${mb(settled.heapUsed)} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
} finally {
  await Promise.all(children.map(({ child }) => child.stop()));
}
