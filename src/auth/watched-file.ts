import { createHash } from 'node:crypto';
import { unwatchFile, watch, watchFile, type FSWatcher, type Stats } from 'node:fs';
import { dirname } from 'node:path';
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../config.ts';
import type { Logger } from '../logger.ts';

/** How often a watched file is stat-ed when its directory's events do not arrive: a rewrite takes effect within about this long. */
export const WATCH_INTERVAL_MS = 500;
/** How long a file must stay quiet after a change before it is read, so that a write in several steps is read once, whole. */
const SETTLE_MS = 50;

export interface WatchedFileOptions<T> {
  path: string;
  /** Turns the file's text into a value, or throws an Error whose message says what is wrong (never the secret). */
  parse: (text: string) => T | Promise<T>;
  /** Told each new good value after the first, in the order the file's versions were read. */
  onChange: (value: T) => void;
  /** Names the file in log lines, e.g. `HUB_API_KEYS_FILE`. */
  what: string;
  log: Logger;
  intervalMs?: number;
  /** Whether to watch the directory as well as poll the path (default); off, only polling sees changes. */
  directoryEvents?: boolean;
}

export interface WatchedFile<T> {
  /** The value of the last version of the file that parsed. */
  readonly current: T;
  close(): void;
}

/**
 * Reads a configuration file and reads it again whenever it changes, so that
 * keys can be revoked, added or rotated without a restart. Two triggers, each
 * followed by a read whose digest tells a real change from a touch:
 *  - the file's directory is watched (`fs.watch`): any entry changing there is
 *    seen at once, including a new file renamed over the old one (editors,
 *    deploy tools) and a Kubernetes volume swapping its `..data` link;
 *  - the path is polled with stat (`fs.watchFile`), for file systems where
 *    directory events do not arrive (network mounts, some container volumes).
 * A version that does not parse (a half-written file, a typo) keeps the last
 * good value and is logged as an error; at start it throws, so a hub never
 * starts without its keys.
 */
export async function watchFileValue<T>({
  path,
  parse,
  onChange,
  what,
  log,
  intervalMs = WATCH_INTERVAL_MS,
  directoryEvents = true,
}: WatchedFileOptions<T>): Promise<WatchedFile<T>> {
  let digest = '';
  const load = async (): Promise<T | undefined> => {
    const text = await readFile(path, 'utf8');
    const next = createHash('sha256').update(text).digest('hex');
    if (next === digest) return undefined; // touched, or rewritten with the same content
    const value = await parse(text);
    digest = next;
    return value;
  };

  let current = await loadAtStart(load, what, path);
  let reloading = Promise.resolve();
  const reload = async () => {
    try {
      const value = await load();
      if (value === undefined) return;
      current = value;
      log.info({ file: what, path }, 'configuration file reloaded');
      onChange(value);
    } catch (error) {
      log.error(
        { file: what, path, reason: reasonOf(error) },
        'configuration file unreadable or invalid: keeping its last good version',
      );
    }
  };
  // a burst of events (truncate, write, rename) makes one read a little later; reads go one at a time, so
  // versions are applied in the order they were read, and an event after a read has begun makes another
  let timer: NodeJS.Timeout | undefined;
  const changed = () => {
    timer ??= setTimeout(() => {
      timer = undefined;
      reloading = reloading.then(reload);
    }, SETTLE_MS).unref();
  };
  const polled = (now: Stats, before: Stats) => {
    if (now.mtimeMs !== before.mtimeMs || now.size !== before.size || now.ino !== before.ino) changed();
  };
  watchFile(path, { interval: intervalMs, persistent: false }, polled);
  const onWatchError = (error: unknown) =>
    log.warn(
      { file: what, path, reason: reasonOf(error) },
      'cannot watch the directory of a configuration file: polling it only',
    );
  const directory = directoryEvents ? watchDirectory(dirname(path), changed, onWatchError) : undefined;

  return {
    get current() {
      return current;
    },
    close() {
      clearTimeout(timer);
      unwatchFile(path, polled);
      directory?.close();
    },
  };
}

/** Watches a directory's entries (`fs.watch`), or reports why it cannot and returns undefined: then only polling sees changes. */
export function watchDirectory(
  directory: string,
  onEvent: () => void,
  onError: (error: unknown) => void,
): FSWatcher | undefined {
  try {
    return watch(directory, { persistent: false }, onEvent).on('error', onError);
  } catch (error) {
    onError(error); // e.g. out of inotify watches
    return undefined;
  }
}

async function loadAtStart<T>(load: () => Promise<T | undefined>, what: string, path: string): Promise<T> {
  try {
    return (await load())!;
  } catch (error) {
    throw new ConfigError(`${what} (${path}): ${reasonOf(error)}`, { cause: error });
  }
}

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
