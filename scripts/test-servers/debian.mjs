// Debian packages the test run needs, installed in one apt-get call (parallel apt-get runs
// would fight over the dpkg lock).
import { findExecutable, run, say } from './proc.mjs';

// apt puts servers in /usr/sbin or /usr/bin; a PATH without /usr/sbin (non-login root shells) must not hide them.
export const SEARCH_DIRS = ['/usr/bin', '/usr/sbin', '/usr/local/bin'];

/** Installs the packages whose executable is missing; `tools` is a list of { executable, pkg }. */
export async function ensureDebianTools(tools) {
  const missing = tools.filter((tool) => !findExecutable(tool.executable, SEARCH_DIRS));
  if (!missing.length) return;
  const packages = missing.map((tool) => tool.pkg);
  if (process.getuid?.() !== 0) {
    throw new Error(
      `${packages.join(', ')} not installed and this user cannot apt-get install them: install them first`,
    );
  }
  say(`installing ${packages.join(', ')} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    await run('apt-get', ['update'], { env });
    await run('apt-get', ['install', '-y', '--no-install-recommends', ...packages], { env });
  } catch (error) {
    throw new Error(`apt-get install ${packages.join(' ')} failed: ${error.message}`);
  }
  const still = missing.filter((tool) => !findExecutable(tool.executable, SEARCH_DIRS));
  if (still.length) throw new Error(`apt-get ran but ${still.map((t) => t.executable).join(', ')} is still missing`);
}
