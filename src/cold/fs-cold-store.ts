import { randomUUID } from 'node:crypto';
import { link, mkdir, open, readdir, readFile, rename, rm, rmdir } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { SEGMENT_FORMAT, type ColdStore, type DayRange, type SegmentKey, type SegmentManifest } from './cold-store.ts';

const TENANT = /^[A-Za-z0-9_-]{1,64}$/;
const DAY = /^\d{4}-\d{2}-\d{2}$/;
const MANIFEST = /^\d{16}\.manifest\.json$/;

const manifestSchema = z.object({
  format: z.literal(SEGMENT_FORMAT),
  tenantId: z.string().regex(TENANT),
  day: z.string().regex(DAY),
  firstPosition: z.number().int().positive(),
  lastPosition: z.number().int().positive(),
  count: z.number().int().positive(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
  firstReceivedAt: z.string(),
  lastReceivedAt: z.string(),
});

const codeOf = (error: unknown) => (error as { code?: string }).code;
const isMissing = (error: unknown) => codeOf(error) === 'ENOENT';

/**
 * The ColdStore on a filesystem: `<root>/<tenant>/<day>/<first position, 16
 * digits>.manifest.json` and, beside it, the data as `<same>.<first 16 hex
 * of its sha256>.ndjson.gz`. Files are written under a temporary name,
 * fsynced and moved into place (the data renamed, the manifest hard-linked,
 * which fails when one exists), and their directory fsynced, so after a
 * crash a name holds a whole file or nothing.
 */
export function createFsColdStore({ root }: { root: string }): ColdStore {
  function dir(tenantId: string, day?: string): string {
    // The names become paths: nothing but a tenant id and a day may reach them.
    if (!TENANT.test(tenantId) || (day !== undefined && !DAY.test(day)))
      throw new Error(`not a segment path: ${tenantId}/${day ?? ''}`);
    return day === undefined ? join(root, tenantId) : join(root, tenantId, day);
  }
  const stem = (key: SegmentKey) => String(key.firstPosition).padStart(16, '0');
  const manifestPath = (key: SegmentKey) => join(dir(key.tenantId, key.day), `${stem(key)}.manifest.json`);
  const dataPath = (manifest: SegmentManifest) =>
    join(dir(manifest.tenantId, manifest.day), `${stem(manifest)}.${manifest.sha256.slice(0, 16)}.ndjson.gz`);

  async function readManifest(path: string): Promise<SegmentManifest | null> {
    try {
      return manifestSchema.parse(JSON.parse(await readFile(path, 'utf8'))) as SegmentManifest;
    } catch (error) {
      if (isMissing(error)) return null;
      throw error;
    }
  }

  /** The files of a key but its manifest and `keep`: data of earlier attempts, temporary files. */
  async function leftovers(key: SegmentKey, keep?: string): Promise<string[]> {
    const directory = dir(key.tenantId, key.day);
    const mine = (name: string) =>
      name.startsWith(`${stem(key)}.`) && !MANIFEST.test(name) && join(directory, name) !== keep;
    return (await names(directory)).filter(mine).map((name) => join(directory, name));
  }

  return {
    async write(manifest, data) {
      const directory = dir(manifest.tenantId, manifest.day);
      const existing = await readManifest(manifestPath(manifest));
      if (existing) return existing;
      await mkdir(directory, { recursive: true });
      // New directory entries are durable only once their parents are synced.
      await fsyncDir(root);
      await fsyncDir(dir(manifest.tenantId));
      await writeTemporary(`${dataPath(manifest)}`, data, async (temporary) => rename(temporary, dataPath(manifest)));
      await fsyncDir(directory);
      let won = true;
      await writeTemporary(manifestPath(manifest), `${JSON.stringify(manifest)}\n`, async (temporary) => {
        try {
          await link(temporary, manifestPath(manifest));
        } catch (error) {
          if (codeOf(error) !== 'EEXIST') throw error;
          won = false;
        }
        await rm(temporary, { force: true });
      });
      await fsyncDir(directory);
      const complete = won ? manifest : (await readManifest(manifestPath(manifest)))!;
      for (const path of await leftovers(manifest, dataPath(complete))) await rm(path, { force: true });
      return complete;
    },

    async read(manifest) {
      try {
        return await readFile(dataPath(manifest));
      } catch (error) {
        if (isMissing(error)) return null;
        throw error;
      }
    },

    manifest: async (key) => readManifest(manifestPath(key)),

    async list(tenantId, { fromDay, toDay, limit = Infinity }: DayRange = {}) {
      const days = (await names(dir(tenantId)))
        .filter(
          (day) => DAY.test(day) && (fromDay === undefined || day >= fromDay) && (toDay === undefined || day <= toDay),
        )
        .sort();
      const manifests: SegmentManifest[] = [];
      for (const day of days) {
        if (manifests.length >= limit) break;
        for (const name of await names(dir(tenantId, day))) {
          if (!MANIFEST.test(name)) continue;
          const manifest = await readManifest(join(dir(tenantId, day), name));
          if (manifest) manifests.push(manifest);
        }
      }
      return manifests.sort((a, b) => a.firstPosition - b.firstPosition).slice(0, limit);
    },

    async delete(key) {
      const directory = dir(key.tenantId, key.day);
      await rm(manifestPath(key), { force: true });
      await fsyncDirIfThere(directory);
      for (const path of await leftovers(key)) await rm(path, { force: true });
      await rmdir(directory).catch(() => {}); // only when empty: another segment of the day keeps it
    },
  };
}

/** Writes `data` durably under a unique temporary name beside `path`, then hands the name to `place`. */
async function writeTemporary(
  path: string,
  data: Uint8Array | string,
  place: (temporary: string) => Promise<void>,
): Promise<void> {
  const temporary = `${path}.${randomUUID()}.tmp`;
  try {
    const handle = await open(temporary, 'wx');
    try {
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await place(temporary);
  } finally {
    await rm(temporary, { force: true });
  }
}

async function fsyncDir(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function fsyncDirIfThere(path: string): Promise<void> {
  try {
    await fsyncDir(path);
  } catch (error) {
    if (!isMissing(error)) throw error;
  }
}

async function names(path: string): Promise<string[]> {
  try {
    return await readdir(path);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}
