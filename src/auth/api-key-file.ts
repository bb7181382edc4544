import { parseApiKeys, type ApiKeyConfig } from '../config.ts';
import type { Logger } from '../logger.ts';
import { watchFileValue, type WatchedFile } from './watched-file.ts';

/**
 * HUB_API_KEYS_FILE: the keys in HUB_API_KEYS's JSON format, read at start
 * (a missing or invalid file stops the hub from starting) and again on every
 * change. A rewrite that does not parse, or reads empty mid-write, keeps the
 * keys in force; `onChange` gets each new good list.
 */
export function watchApiKeyFile(
  path: string,
  log: Logger,
  onChange: (keys: readonly ApiKeyConfig[]) => void,
): Promise<WatchedFile<readonly ApiKeyConfig[]>> {
  return watchFileValue({ path, parse: parseApiKeys, onChange, what: 'HUB_API_KEYS_FILE', log });
}
