import {
  MongoBulkWriteError,
  type Db,
  type Document,
  type Filter,
  type MongoClient,
  type WriteConcernSettings,
} from 'mongodb';
import {
  DeliveryStatus,
  newDelivery,
  OPEN_STATUSES,
  type EndpointStore,
  type WebhookDelivery,
  type WebhookEndpoint,
} from '../../delivery/endpoint-store.ts';
import { ensureCollection, ensureIndexes } from './collections.ts';
import { DUPLICATE_KEY, guard, isDuplicateKey } from './errors.ts';

/** The delivery runtime's collections, next to the event store's in the same database. */
export const ENDPOINT_COLLECTIONS = {
  endpoints: 'webhook_endpoints',
  deliveries: 'webhook_deliveries',
  checkpoints: 'webhook_checkpoints',
} as const;

/** The filter is kept as a JSON string: its `where` values are client data and may hold keys such as `$gt` that MongoDB refuses in a document. */
type EndpointDocument = Omit<WebhookEndpoint, 'id' | 'filter'> & { _id: string; filter: string };
type DeliveryDocument = Omit<WebhookDelivery, 'id'> & { _id: string };
/**
 * `_id` = endpoint id. Apart from the endpoint's document: the runtime writes
 * it while a client may update the endpoint, and FerretDB applies concurrent
 * updates to one document non-atomically.
 */
interface CheckpointDocument {
  _id: string;
  position: number;
}

export interface MongoEndpointStoreOptions {
  /** The caller owns the client: `close()` never closes it. */
  client: MongoClient;
  dbName: string;
  /** Every write. Default `{ w: 'majority', j: true }`. */
  writeConcern?: WriteConcernSettings;
  /** Server-side time limit of every read; exceeding it is UNAVAILABLE. Default 10 s. */
  maxTimeMS?: number;
}

const toEndpoint = ({ _id, filter, ...rest }: EndpointDocument): WebhookEndpoint => ({
  id: _id,
  ...rest,
  filter: JSON.parse(filter) as WebhookEndpoint['filter'],
});
const toDelivery = ({ _id, ...rest }: DeliveryDocument): WebhookDelivery => ({ id: _id, ...rest });
const toDeliveryDocument = ({ id, ...rest }: WebhookDelivery): DeliveryDocument => ({ _id: id, ...rest });

/**
 * The EndpointStore on MongoDB 6/7 and FerretDB v1. A delivery's `_id` is
 * derived from (endpoint, event), so enqueuing twice inserts once. Indexes,
 * named for the query they serve on MongoDB (FerretDB's SQLite backend scans):
 * `tenant_id` serves `endpoints`; `status_id` serves `enabledEndpoints`;
 * `endpoint_status_position` serves `open` and `countOpen`;
 * `endpoint_position` serves `deliveries`; `status_updatedAt` the sweep.
 */
export async function createMongoEndpointStore(options: MongoEndpointStoreOptions): Promise<EndpointStore> {
  const maxTimeMS = options.maxTimeMS ?? 10_000;
  const writeConcern = options.writeConcern ?? { w: 'majority', j: true };
  const db: Db = options.client.db(options.dbName);
  const collection = <T extends Document>(name: string) =>
    db.collection<T>(name, { writeConcern, ignoreUndefined: true });

  const { endpoints, deliveries, checkpoints } = await guard(async () => {
    for (const name of Object.values(ENDPOINT_COLLECTIONS)) await ensureCollection(db, name);
    const endpoints = collection<EndpointDocument>(ENDPOINT_COLLECTIONS.endpoints);
    await ensureIndexes(endpoints, [
      { key: { tenantId: 1, _id: 1 }, name: 'tenant_id' },
      { key: { status: 1, _id: 1 }, name: 'status_id' },
    ]);
    const deliveries = collection<DeliveryDocument>(ENDPOINT_COLLECTIONS.deliveries);
    await ensureIndexes(deliveries, [
      { key: { endpointId: 1, status: 1, position: 1 }, name: 'endpoint_status_position' },
      { key: { endpointId: 1, position: -1 }, name: 'endpoint_position' },
      { key: { status: 1, updatedAt: 1 }, name: 'status_updatedAt' },
    ]);
    const checkpoints = collection<CheckpointDocument>(ENDPOINT_COLLECTIONS.checkpoints);
    return { endpoints, deliveries, checkpoints };
  });

  const openQuery = (endpointId: string): Filter<DeliveryDocument> => ({
    endpointId,
    status: { $in: [...OPEN_STATUSES] },
  });

  /** Inserts what is new; an existing `_id` is left as it is. */
  async function insertNew(docs: DeliveryDocument[]): Promise<void> {
    if (docs.length === 0) return;
    try {
      await deliveries.insertMany(docs, { ordered: false });
    } catch (error) {
      // Enqueued before (a crash, another process): those inserts fail alone, the others went in.
      if (error instanceof MongoBulkWriteError && [error.writeErrors].flat().every((e) => e.code === DUPLICATE_KEY))
        return;
      if (!isDuplicateKey(error)) throw error;
    }
  }

  return {
    createEndpoint: (endpoint) =>
      guard(async () => {
        const { id, filter, ...rest } = endpoint;
        await endpoints.insertOne({ _id: id, ...rest, filter: JSON.stringify(filter) });
      }),
    endpoint: (tenantId, id) =>
      guard(async () => {
        const doc = await endpoints.findOne({ _id: id, tenantId }, { maxTimeMS });
        return doc ? toEndpoint(doc) : null;
      }),
    endpoints: (tenantId) =>
      guard(async () =>
        (await endpoints.find({ tenantId }, { sort: { _id: 1 }, maxTimeMS }).toArray()).map(toEndpoint),
      ),
    updateEndpoint: (tenantId, id, patch) =>
      guard(async () => {
        const { filter, ...rest } = patch;
        const set = filter === undefined ? rest : { ...rest, filter: JSON.stringify(filter) };
        if (Object.keys(set).length > 0) await endpoints.updateOne({ _id: id, tenantId }, { $set: set });
        const doc = await endpoints.findOne({ _id: id, tenantId }, { maxTimeMS });
        return doc ? toEndpoint(doc) : null;
      }),
    deleteEndpoint: (tenantId, id) =>
      guard(async () => {
        const { deletedCount } = await endpoints.deleteOne({ _id: id, tenantId });
        if (deletedCount === 0) return false;
        await deliveries.deleteMany({ endpointId: id });
        await checkpoints.deleteOne({ _id: id });
        return true;
      }),
    enabledEndpoints: (limit) =>
      guard(async () => {
        if (limit <= 0) return [];
        const docs = await endpoints.find({ status: 'ENABLED' }, { sort: { _id: 1 }, limit, maxTimeMS }).toArray();
        return docs.map(toEndpoint);
      }),

    checkpoint: (endpointId) =>
      guard(async () => (await checkpoints.findOne({ _id: endpointId }, { maxTimeMS }))?.position ?? 0),
    saveCheckpoint: (endpointId, position) =>
      guard(async () => {
        await checkpoints.updateOne({ _id: endpointId }, { $set: { position } }, { upsert: true });
      }),

    enqueue: (items) => guard(() => insertNew(items.map(toDeliveryDocument))),
    requeue: (tenantId, endpointId, items, now) =>
      guard(async () => {
        const endpoint = await endpoints.findOne({ _id: endpointId, tenantId }, { maxTimeMS });
        if (!endpoint || items.length === 0) return 0;
        const docs = items.map((item) => toDeliveryDocument(newDelivery({ id: endpointId, tenantId }, item, now)));
        await insertNew(docs);
        // Those that existed already (delivered, dead, under way) become due again from scratch.
        const reset = { status: DeliveryStatus.PENDING, attempts: 0, nextAttemptAt: now, updatedAt: now };
        await deliveries.updateMany(
          { _id: { $in: docs.map((doc) => doc._id) }, endpointId },
          { $set: reset, $unset: { lastStatusCode: '', lastLatencyMs: '', lastResponse: '' } },
        );
        return items.length;
      }),
    open: (endpointId, { limit, dueBy }) =>
      guard(async () => {
        if (limit <= 0) return [];
        const query =
          dueBy === undefined ? openQuery(endpointId) : { ...openQuery(endpointId), nextAttemptAt: { $lte: dueBy } };
        return (await deliveries.find(query, { sort: { position: 1 }, limit, maxTimeMS }).toArray()).map(toDelivery);
      }),
    countOpen: (endpointId, limit) =>
      guard(() => deliveries.countDocuments(openQuery(endpointId), { limit, maxTimeMS })),
    saveDelivery: (delivery) =>
      guard(async () => {
        // Replace only: a delivery of an endpoint deleted meanwhile must not come back.
        await deliveries.replaceOne({ _id: delivery.id }, toDeliveryDocument(delivery));
      }),
    deliveries: (tenantId, endpointId, { status, first, after }) =>
      guard(async () => {
        const query: Filter<DeliveryDocument> = { endpointId, tenantId };
        if (status !== undefined) query.status = status;
        if (after !== undefined) query.position = { $lt: after };
        const docs = await deliveries.find(query, { sort: { position: -1 }, limit: first + 1, maxTimeMS }).toArray();
        return { deliveries: docs.slice(0, first).map(toDelivery), hasNextPage: docs.length > first };
      }),
    redrive: (tenantId, ids, now) =>
      guard(async () => {
        const unique = [...new Set(ids)];
        if (unique.length === 0) return { queued: 0, endpointIds: [] };
        const query = { _id: { $in: unique }, tenantId, status: DeliveryStatus.DEAD };
        const dead = await deliveries.find(query, { projection: { endpointId: 1 }, maxTimeMS }).toArray();
        const { modifiedCount } = await deliveries.updateMany(query, {
          $set: { status: DeliveryStatus.PENDING, attempts: 0, nextAttemptAt: now, updatedAt: now },
        });
        return { queued: modifiedCount, endpointIds: [...new Set(dead.map((doc) => doc.endpointId))] };
      }),
    dropDelivered: (before, limit) =>
      guard(async () => {
        if (limit <= 0) return 0;
        const old = await deliveries
          .find(
            { status: DeliveryStatus.DELIVERED, updatedAt: { $lt: before } },
            { projection: { _id: 1 }, limit, maxTimeMS },
          )
          .toArray();
        if (old.length === 0) return 0;
        const { deletedCount } = await deliveries.deleteMany({
          _id: { $in: old.map((doc) => doc._id) },
          status: DeliveryStatus.DELIVERED,
        });
        return deletedCount;
      }),
    async close() {},
  };
}
