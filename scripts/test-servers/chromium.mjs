// Debian's Chromium for the browser tests (test/browser/): found or installed with apt-get, like
// redis-server, and handed to the tests as CHROMIUM_PATH. playwright-core drives it; it never
// downloads a browser of its own.
import { ensureDebianTools, SEARCH_DIRS } from './debian.mjs';
import { findExecutable } from './proc.mjs';

/** The Debian package and the executable it installs, for `ensureDebianTools`. */
export const CHROMIUM_TOOL = { executable: 'chromium', pkg: 'chromium' };

/** The path of Debian's Chromium, installing it first when it is missing (alone, outside a test run). */
export async function ensureChromium() {
  await ensureDebianTools([CHROMIUM_TOOL]);
  return findExecutable(CHROMIUM_TOOL.executable, SEARCH_DIRS);
}

/** Sets env.CHROMIUM_PATH to the installed Chromium unless the caller set it already. */
export function exportChromiumPath(env) {
  env.CHROMIUM_PATH ||= findExecutable(CHROMIUM_TOOL.executable, SEARCH_DIRS);
}
