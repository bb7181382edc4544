import type { Db, MongoClient, WriteConcernSettings } from 'mongodb';
import type { Lease, LeaseStore } from '../../coordination/lease-store.ts';
import { ensureCollection, ensureIndexes } from './collections.ts';
import { guard, isDuplicateKey } from './errors.ts';

export const LEASES = 'leases';

/** One holder of a lease, `_id` = `<name>#<epoch>`: a new holder inserts the next epoch. */
interface LeaseDocument {
  _id: string;
  name: string;
  epoch: number;
  owner: string;
  expiresAt: Date;
  released: boolean;
}

export interface MongoLeaseStoreOptions {
  client: MongoClient;
  dbName: string;
  writeConcern?: WriteConcernSettings;
  maxTimeMS?: number;
  now?: () => number;
}

/**
 * Leases on MongoDB and FerretDB. Taking a lease over is an insert of the
 * next epoch, so the unique `_id` decides between processes racing for it
 * (FerretDB applies concurrent updates to one document non-atomically;
 * docs/ARCHITECTURE.md §6). Only the holder updates its own document, to
 * renew or release it.
 */
export async function createMongoLeaseStore(options: MongoLeaseStoreOptions): Promise<LeaseStore> {
  const now = options.now ?? Date.now;
  const maxTimeMS = options.maxTimeMS ?? 10_000;
  const db: Db = options.client.db(options.dbName);
  await guard(() => ensureCollection(db, LEASES));
  const leases = db.collection<LeaseDocument>(LEASES, {
    writeConcern: options.writeConcern ?? { w: 'majority', j: true },
  });
  await guard(() => ensureIndexes(leases, [{ key: { name: 1, epoch: -1 }, name: 'name_epoch' }]));

  const latest = (name: string) => leases.findOne({ name }, { sort: { epoch: -1 }, maxTimeMS });
  const toLease = (doc: LeaseDocument): Lease => ({
    name: doc.name,
    owner: doc.owner,
    epoch: doc.epoch,
    expiresAt: doc.expiresAt.getTime(),
  });

  async function extend(doc: LeaseDocument, ttlMs: number): Promise<Lease | null> {
    const expiresAt = new Date(now() + ttlMs);
    await leases.updateOne({ _id: doc._id }, { $set: { expiresAt } });
    // A newer epoch inserted meanwhile (our lease had expired) wins over the update.
    const after = await latest(doc.name);
    return after?._id === doc._id && !after.released ? toLease({ ...doc, expiresAt }) : null;
  }

  return {
    acquire: (name, owner, ttlMs) =>
      guard(async () => {
        const current = await latest(name);
        const free = !current || current.released || current.expiresAt.getTime() <= now();
        if (!free) return current.owner === owner ? extend(current, ttlMs) : null;
        const epoch = (current?.epoch ?? 0) + 1;
        const doc: LeaseDocument = {
          _id: `${name}#${epoch}`,
          name,
          epoch,
          owner,
          expiresAt: new Date(now() + ttlMs),
          released: false,
        };
        try {
          await leases.insertOne(doc);
        } catch (error) {
          if (isDuplicateKey(error)) return null; // another process took this epoch first
          throw error;
        }
        // Earlier holders' documents are history now (space only).
        await leases.deleteMany({ name, epoch: { $lt: epoch } }).catch(() => {});
        return toLease(doc);
      }),
    renew: (lease, ttlMs) =>
      guard(async () => {
        const current = await latest(lease.name);
        if (!current || current.epoch !== lease.epoch || current.owner !== lease.owner || current.released) return null;
        return extend(current, ttlMs);
      }),
    release: (lease) =>
      guard(async () => {
        await leases.updateOne(
          { _id: `${lease.name}#${lease.epoch}`, owner: lease.owner },
          { $set: { released: true } },
        );
      }),
    async close() {},
  };
}
