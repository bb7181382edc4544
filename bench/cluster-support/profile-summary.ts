import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/**
 * Where a `node --cpu-prof` profile spends its time: self time per function
 * and total (inclusive) time per source file, as shares of the samples.
 *
 *   node --import tsx bench/cluster-support/profile-summary.ts bench/profiles/CPU.….cpuprofile [--top 25] [--match src/]
 */
interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '25' }, match: { type: 'string', default: '' } },
});
const top = Number(args.top);

for (const file of positionals) {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const idle = [...selfUs].filter(([id]) =>
    ['(idle)', '(program)', '(garbage collector)'].includes(byId.get(id)!.callFrame.functionName),
  );

  const short = (url: string) =>
    url.replace(/^file:\/\/.*?\/(node_modules|src|bench|schema|resolvers)\//, '$1/').replace(/^node:/, 'node:');
  const name = (node: ProfileNode) =>
    `${node.callFrame.functionName || '(anonymous)'} ${short(node.callFrame.url)}:${node.callFrame.lineNumber + 1}`;

  const self = new Map<string, number>();
  for (const [id, us] of selfUs) self.set(name(byId.get(id)!), (self.get(name(byId.get(id)!)) ?? 0) + us);
  // Inclusive per file: each sample counts once for every file on its stack.
  const inclusive = new Map<string, number>();
  for (const [id, us] of selfUs) {
    const files = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const url = short(byId.get(at)!.callFrame.url);
      if (url && (!args.match || url.includes(args.match))) files.add(url);
    }
    for (const f of files) inclusive.set(f, (inclusive.get(f) ?? 0) + us);
  }
  const pct = (us: number) => `${((100 * us) / total).toFixed(1).padStart(5)} %`;
  process.stdout.write(
    `\n${file}: ${(total / 1e6).toFixed(1)} s sampled; ${idle.map(([id, us]) => `${byId.get(id)!.callFrame.functionName} ${pct(us)}`).join(', ')}\n`,
  );
  process.stdout.write(`\nself time, top ${top}:\n`);
  for (const [fn, us] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top))
    process.stdout.write(`${pct(us)}  ${fn}\n`);
  process.stdout.write(`\ninclusive time per file${args.match ? ` (matching ${args.match})` : ''}, top ${top}:\n`);
  for (const [f, us] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top))
    process.stdout.write(`${pct(us)}  ${f}\n`);
}
