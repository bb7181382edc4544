import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

/**
 * Where a heap snapshot's memory goes: retained size by constructor (an
 * instance counts unless another of the same name dominates it), from the
 * dominator tree. With two snapshots, the second minus the first; `--per N`
 * divides by N (e.g. the subscribers opened between them). Snapshots come
 * from the live hub's `heapSnapshot` command or `node --heapsnapshot-signal`.
 *
 *   node --max-old-space-size=8000 --import tsx bench/support/heap-retainers.ts before.heapsnapshot after.heapsnapshot --per 5050
 */
const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { top: { type: 'string', default: '30' }, per: { type: 'string', default: '1' } },
});

interface Row {
  count: number;
  self: number;
  retained: number;
}

function retainersOf(path: string): Map<string, Row> {
  const snap = JSON.parse(readFileSync(path, 'utf8'));
  const meta = snap.snapshot.meta;
  const nodeFields: string[] = meta.node_fields;
  const edgeFields: string[] = meta.edge_fields;
  const [nodeTypes, edgeTypes] = [meta.node_types[0] as string[], meta.edge_types[0] as string[]];
  const { nodes, edges, strings } = snap as { nodes: number[]; edges: number[]; strings: string[] };
  const [N, E] = [nodeFields.length, edgeFields.length];
  const [iType, iName, iSize, iEdges] = ['type', 'name', 'self_size', 'edge_count'].map((f) =>
    nodeFields.indexOf(f),
  ) as [number, number, number, number];
  const [eType, eTo] = ['type', 'to_node'].map((f) => edgeFields.indexOf(f)) as [number, number];
  const skipped = new Set([edgeTypes.indexOf('weak'), edgeTypes.indexOf('shortcut')]);
  const n = nodes.length / N;
  const label = (v: number) => {
    const type = nodeTypes[nodes[v * N + iType]!]!;
    if (type.includes('string')) return '(string)';
    if (type === 'code') return '(code)';
    const name = strings[nodes[v * N + iName]!]!.slice(0, 70);
    return type === 'closure' ? `closure ${name}` : type === 'array' || type === 'hidden' ? `${type} ${name}` : name;
  };
  // Forward edges, then a depth-first post-order from the root (node 0).
  const first = new Uint32Array(n + 1);
  const targets: number[] = [];
  for (let v = 0, e = 0; v < n; v++) {
    first[v] = targets.length;
    for (let k = 0; k < nodes[v * N + iEdges]!; k++, e += E)
      if (!skipped.has(edges[e + eType]!)) targets.push(edges[e + eTo]! / N);
  }
  first[n] = targets.length;
  const post = new Int32Array(n).fill(-1);
  const order: number[] = [];
  const seen = new Uint8Array(n);
  const stack = [0];
  const cursor = [first[0]!];
  seen[0] = 1;
  while (stack.length > 0) {
    const v = stack[stack.length - 1]!;
    const k = cursor[cursor.length - 1]!;
    if (k < first[v + 1]!) {
      cursor[cursor.length - 1]! += 1;
      const w = targets[k]!;
      if (!seen[w]) {
        seen[w] = 1;
        stack.push(w);
        cursor.push(first[w]!);
      }
    } else {
      post[v] = order.length;
      order.push(v);
      stack.pop();
      cursor.pop();
    }
  }
  const predecessors: number[][] = Array.from({ length: n }, () => []);
  for (const v of order) for (let k = first[v]!; k < first[v + 1]!; k++) predecessors[targets[k]!]!.push(v);
  // Immediate dominators (Cooper, Harvey and Kennedy's iteration), then retained sizes bottom-up.
  const idom = new Int32Array(n).fill(-1);
  idom[0] = 0;
  const intersect = (a: number, b: number) => {
    while (a !== b) {
      while (post[a]! < post[b]!) a = idom[a]!;
      while (post[b]! < post[a]!) b = idom[b]!;
    }
    return a;
  };
  for (let changed = true; changed; ) {
    changed = false;
    for (let i = order.length - 2; i >= 0; i--) {
      const v = order[i]!;
      let dominator = -1;
      for (const p of predecessors[v]!) if (idom[p] !== -1) dominator = dominator === -1 ? p : intersect(p, dominator);
      if (dominator !== -1 && idom[v] !== dominator) {
        idom[v] = dominator;
        changed = true;
      }
    }
  }
  const retained = new Float64Array(n);
  for (const v of order) {
    retained[v]! += nodes[v * N + iSize]!;
    if (v !== 0) retained[idom[v]!]! += retained[v]!;
  }
  const rows = new Map<string, Row>();
  for (const v of order) {
    const name = label(v);
    let nested = false;
    for (let d = idom[v]!; d !== 0 && !nested; d = idom[d]!) nested = label(d) === name;
    const row = rows.get(name) ?? { count: 0, self: 0, retained: 0 };
    row.count += 1;
    row.self += nodes[v * N + iSize]!;
    if (!nested) row.retained += retained[v]!;
    rows.set(name, row);
  }
  return rows;
}

const [before, after] = positionals.map(retainersOf);
if (!before) throw new Error('give one snapshot, or two to compare');
const per = Number(args.per);
const rows = [...(after ?? before)].map(([name, row]): [string, Row] => {
  const base = after ? (before.get(name) ?? { count: 0, self: 0, retained: 0 }) : { count: 0, self: 0, retained: 0 };
  return [name, { count: row.count - base.count, self: row.self - base.self, retained: row.retained - base.retained }];
});
process.stdout.write(`${per > 1 ? `per 1 of ${per}: ` : ''}retained bytes, self bytes, instances, constructor\n`);
for (const [name, row] of rows.sort((a, b) => b[1].retained - a[1].retained).slice(0, Number(args.top)))
  process.stdout.write(
    `${String(Math.round(row.retained / per)).padStart(10)} ${String(Math.round(row.self / per)).padStart(9)} ${(row.count / per).toFixed(2).padStart(9)}  ${name}\n`,
  );
