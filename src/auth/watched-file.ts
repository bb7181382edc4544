import { createHash } from 'node:crypto';
import { unwatchFile, watchFile, type Stats } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { ConfigError } from '../config.ts';
import type { Logger } from '../logger.ts';

/** How often a watched file is looked at: a rewrite takes effect within about this long. */
export const WATCH_INTERVAL_MS = 250;

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
}

export interface WatchedFile<T> {
  /** The value of the last version of the file that parsed. */
  readonly current: T;
  close(): void;
}

/**
 * Reads a configuration file and reads it again whenever it changes, so that
 * keys can be revoked, added or rotated without a restart. The file is polled
 * by path with stat (`fs.watchFile`) rather than watched by inode (`fs.watch`):
 * editors and deploy tools replace a file by renaming a new one over it, which
 * an inode watch stops seeing after the first time. A version that does not
 * parse (a half-written file, a typo) keeps the last good value and is logged
 * as an error; at start it throws, so a hub never starts without its keys.
 */
export async function watchFileValue<T>({ path, parse, onChange, what, log, intervalMs = WATCH_INTERVAL_MS }: WatchedFileOptions<T>): Promise<WatchedFile<T>> {
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
      log.error({ file: what, path, reason: reasonOf(error) }, 'configuration file unreadable or invalid: keeping its last good version');
    }
  };
  const listener = (now: Stats, before: Stats) => {
    if (now.mtimeMs === before.mtimeMs && now.size === before.size && now.ino === before.ino) return;
    // one read at a time, so versions are applied in the order they were read
    reloading = reloading.then(reload);
  };
  watchFile(path, { interval: intervalMs, persistent: false }, listener);

  return {
    get current() {
      return current;
    },
    close: () => unwatchFile(path, listener),
  };
}

async function loadAtStart<T>(load: () => Promise<T | undefined>, what: string, path: string): Promise<T> {
  try {
    return (await load())!;
  } catch (error) {
    throw new ConfigError(`${what} (${path}): ${reasonOf(error)}`, { cause: error });
  }
}

const reasonOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));
