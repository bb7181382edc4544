import { createHash } from 'node:crypto';
import type { Stats } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { WATCH_INTERVAL_MS, watchDirectory } from '../auth/watched-file.ts';
import { ConfigError } from '../config.ts';
import type { Logger } from '../logger.ts';
import { MAX_SCHEMA_FILE_BYTES } from './catalog-file.ts';
import type { CatalogVersion } from './event-catalog.ts';

/** How long the directory must stay quiet after an event before it is read, so a write in several steps is read once, whole. */
const SETTLE_MS = 50;

export interface CatalogDirectoryOptions {
  dir: string;
  /** A file's content as a catalog version, or throws an Error saying what is wrong with it. */
  compile: (name: string, text: string) => CatalogVersion;
  /** Told the whole set of file versions after each scan that changed it. */
  onChange: (versions: readonly CatalogVersion[]) => void;
  log: Logger;
  intervalMs?: number;
}

export interface CatalogDirectory {
  /** The versions of the files as last read (a bad file counts with its last good version). */
  readonly current: readonly CatalogVersion[];
  close(): void;
}

interface Known {
  /** size, mtime and inode: unchanged, the file is not read again */
  stamp: string;
  digest: string;
  version: CatalogVersion;
}

/**
 * The catalog files of HUB_CATALOG_DIR, read at start and again on change, as
 * watched-file.ts does for one file: the directory is watched (`fs.watch`) and
 * also stat-ed every `intervalMs`, for file systems whose events do not arrive.
 * Every entry not starting with `.` must be a `<type>@<version>.json` file
 * (dot entries are editors' swap files and Kubernetes' `..data` links).
 * At start a bad file throws a ConfigError naming it; later, a bad file keeps
 * its last good version (or stays out, if it never had one) and is logged as
 * an error, a removed file is dropped.
 */
export async function watchCatalogDirectory({
  dir,
  compile,
  onChange,
  log,
  intervalMs = WATCH_INTERVAL_MS,
}: CatalogDirectoryOptions): Promise<CatalogDirectory> {
  let known = new Map<string, Known>();
  /** The stamp of each file's version that was refused, so a bad file is logged once, not at every poll. */
  const refused = new Map<string, string>();

  /** Reads what changed since the last scan; `starting`, the first bad file throws. */
  async function scan(starting: boolean): Promise<void> {
    const next = new Map<string, Known>();
    let changed = false;
    const names = await fileNames(dir);
    for (const name of names) {
      const before = known.get(name);
      const path = join(dir, name);
      let stamp: string | undefined;
      try {
        const info = await stat(path).catch(ignoreMissing);
        if (!info) continue; // removed between the listing and now
        stamp = `${info.size}:${info.mtimeMs}:${info.ino}`;
        if (refused.get(name) === stamp) {
          if (before) next.set(name, before); // still the version refused last time: not read, nor logged, again
          continue;
        }
        const entry = await readEntry(path, name, info, stamp, before, compile);
        if (!entry) continue;
        refused.delete(name);
        next.set(name, entry);
        if (entry.version !== before?.version) {
          changed = true;
          if (!starting)
            log.info({ file: name, type: entry.version.type, version: entry.version.version }, 'catalog file loaded');
        }
      } catch (error) {
        if (starting) throw new ConfigError(`HUB_CATALOG_DIR (${dir}): ${name}: ${reasonOf(error)}`, { cause: error });
        log.error({ file: name, reason: reasonOf(error) }, 'catalog file invalid: keeping its last good version');
        if (stamp !== undefined) refused.set(name, stamp);
        if (before) next.set(name, before);
      }
    }
    for (const name of refused.keys()) if (!names.includes(name)) refused.delete(name);
    for (const name of known.keys()) {
      if (!next.has(name)) {
        changed = true;
        log.info({ file: name }, 'catalog file removed');
      }
    }
    known = next;
    if (changed && !starting) onChange(versionsOf(known));
  }

  try {
    await scan(true);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(`HUB_CATALOG_DIR (${dir}): ${reasonOf(error)}`, { cause: error });
  }

  // scans go one at a time; a trigger while one runs queues one more after it, never a backlog
  let scanning = Promise.resolve();
  let queued = false;
  let closed = false;
  let unreadable = false;
  const rescan = () => {
    if (queued || closed) return;
    queued = true;
    scanning = scanning
      .then(async () => {
        queued = false;
        if (closed) return;
        await scan(false);
        unreadable = false;
      })
      .catch((error: unknown) => {
        if (!unreadable)
          log.error({ dir, reason: reasonOf(error) }, 'catalog directory unreadable: keeping the catalog as it was');
        unreadable = true; // logged once until it is readable again
      });
  };
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      rescan();
    }, SETTLE_MS).unref();
  };
  const poll = setInterval(rescan, intervalMs).unref();
  const watcher = watchDirectory(dir, changed, (error) =>
    log.warn({ dir, reason: reasonOf(error) }, 'cannot watch the catalog directory: polling it only'),
  );

  return {
    get current() {
      return versionsOf(known);
    },
    close() {
      closed = true;
      clearTimeout(timer);
      clearInterval(poll);
      watcher?.close();
    },
  };
}

async function fileNames(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => !name.startsWith('.')).sort();
}

/** The file's entry: `before` when its content did not change, a new one when it did, undefined when it is gone. */
async function readEntry(
  path: string,
  name: string,
  info: Stats,
  stamp: string,
  before: Known | undefined,
  compile: CatalogDirectoryOptions['compile'],
): Promise<Known | undefined> {
  if (!info.isFile()) throw new Error('not a file');
  if (info.size > MAX_SCHEMA_FILE_BYTES) throw new Error(`larger than ${MAX_SCHEMA_FILE_BYTES} bytes`);
  if (before?.stamp === stamp) return before;
  const text = await readFile(path, 'utf8').catch(ignoreMissing);
  if (text === undefined) return undefined;
  const digest = createHash('sha256').update(text).digest('hex');
  if (before?.digest === digest) return { ...before, stamp }; // touched, or rewritten with the same content
  return { stamp, digest, version: compile(name, text) };
}

const versionsOf = (known: Map<string, Known>): CatalogVersion[] => [...known.values()].map((entry) => entry.version);

function ignoreMissing(error: unknown): undefined {
  if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
  throw error;
}

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
