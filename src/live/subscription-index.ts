import type { TypePattern } from '../filter/index.ts';

/**
 * Which subscriptions might want an event of a given type (docs/ARCHITECTURE.md §9: live
 * matching must not cost O(subscribers) per event). Per tenant:
 *
 * - exact types in a Map: one lookup;
 * - wildcard patterns in a trie over their segments (literal children, a
 *   `*` child, a `>` set for "one or more trailing segments"): a type has at
 *   most 6 segments, so a lookup visits a handful of nodes whatever the number
 *   of subscriptions;
 * - prefix and regex patterns, and "any type" (`typePatterns: null`), in a
 *   fallback list that every event walks. It is expected to stay short; a
 *   prefix is tested here, a regex is left to the caller's full matcher.
 *
 * Candidates are a superset: the caller still runs the whole filter on each.
 * An entry registered under several patterns comes back once.
 */
export interface SubscriptionIndex<T> {
  add(tenantId: string, patterns: readonly TypePattern[] | null, entry: T): void;
  /** Idempotent; forgets empty tenants and trie branches. */
  remove(tenantId: string, entry: T): void;
  candidates(tenantId: string, type: string): Set<T>;
  /** Registered entries, all tenants. */
  readonly size: number;
}

interface TrieNode<T> {
  literal: Map<string, TrieNode<T>>;
  star: TrieNode<T> | undefined;
  /** Patterns that end at this node. */
  end: Set<T>;
  /** Patterns whose `>` sits at this depth: one or more further segments. */
  rest: Set<T>;
}

/** `'any'` when some pattern cannot be narrowed (regex, or no type constraint). */
type Fallback = readonly string[] | 'any';

interface TenantIndex<T> {
  exact: Map<string, Set<T>>;
  trie: TrieNode<T>;
  fallback: Map<T, Fallback>;
  patterns: Map<T, readonly TypePattern[] | null>;
}

const newNode = <T>(): TrieNode<T> => ({ literal: new Map(), star: undefined, end: new Set(), rest: new Set() });

export function createSubscriptionIndex<T>(): SubscriptionIndex<T> {
  const tenants = new Map<string, TenantIndex<T>>();
  let size = 0;

  return {
    add(tenantId, patterns, entry) {
      let tenant = tenants.get(tenantId);
      if (!tenant) {
        tenant = { exact: new Map(), trie: newNode(), fallback: new Map(), patterns: new Map() };
        tenants.set(tenantId, tenant);
      }
      if (tenant.patterns.has(entry)) return;
      tenant.patterns.set(entry, patterns);
      size += 1;
      const prefixes: string[] = [];
      let any = patterns === null;
      for (const pattern of patterns ?? []) {
        if (pattern.kind === 'exact') getOrCreate(tenant.exact, pattern.type).add(entry);
        else if (pattern.kind === 'wildcard') insert(tenant.trie, pattern.segments, entry);
        else if (pattern.kind === 'prefix') prefixes.push(pattern.prefix);
        else any = true;
      }
      if (any) tenant.fallback.set(entry, 'any');
      else if (prefixes.length > 0) tenant.fallback.set(entry, prefixes);
    },

    remove(tenantId, entry) {
      const tenant = tenants.get(tenantId);
      const patterns = tenant?.patterns.get(entry);
      if (!tenant || patterns === undefined) return;
      tenant.patterns.delete(entry);
      size -= 1;
      tenant.fallback.delete(entry);
      for (const pattern of patterns ?? []) {
        if (pattern.kind === 'exact') {
          const set = tenant.exact.get(pattern.type);
          set?.delete(entry);
          if (set?.size === 0) tenant.exact.delete(pattern.type);
        } else if (pattern.kind === 'wildcard') {
          prune(tenant.trie, pattern.segments, 0, entry);
        }
      }
      if (tenant.patterns.size === 0) tenants.delete(tenantId);
    },

    candidates(tenantId, type) {
      const found = new Set<T>();
      const tenant = tenants.get(tenantId);
      if (!tenant) return found;
      for (const entry of tenant.exact.get(type) ?? []) found.add(entry);
      collect(tenant.trie, type.split('.'), 0, found);
      for (const [entry, fallback] of tenant.fallback) {
        if (fallback === 'any' || fallback.some((prefix) => type.startsWith(prefix))) found.add(entry);
      }
      return found;
    },

    get size() {
      return size;
    },
  };
}

function getOrCreate<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  let set = map.get(key);
  if (!set) {
    set = new Set();
    map.set(key, set);
  }
  return set;
}

function insert<T>(root: TrieNode<T>, segments: readonly string[], entry: T): void {
  let node = root;
  for (const segment of segments) {
    if (segment === '>') {
      node.rest.add(entry);
      return;
    }
    if (segment === '*') node = node.star ??= newNode();
    else {
      let child = node.literal.get(segment);
      if (!child) {
        child = newNode();
        node.literal.set(segment, child);
      }
      node = child;
    }
  }
  node.end.add(entry);
}

/** Removes `entry` along `segments`; returns whether `node` is now empty (so its parent may drop it). */
function prune<T>(node: TrieNode<T>, segments: readonly string[], i: number, entry: T): boolean {
  const segment = segments[i];
  if (segment === undefined) node.end.delete(entry);
  else if (segment === '>') node.rest.delete(entry);
  else if (segment === '*') {
    if (node.star && prune(node.star, segments, i + 1, entry)) node.star = undefined;
  } else {
    const child = node.literal.get(segment);
    if (child && prune(child, segments, i + 1, entry)) node.literal.delete(segment);
  }
  return node.end.size === 0 && node.rest.size === 0 && node.literal.size === 0 && node.star === undefined;
}

function collect<T>(node: TrieNode<T>, segments: readonly string[], i: number, found: Set<T>): void {
  const segment = segments[i];
  if (segment === undefined) {
    for (const entry of node.end) found.add(entry);
    return;
  }
  for (const entry of node.rest) found.add(entry); // '>' here covers segments i.. (at least one remains)
  const child = node.literal.get(segment);
  if (child) collect(child, segments, i + 1, found);
  if (node.star) collect(node.star, segments, i + 1, found);
}
