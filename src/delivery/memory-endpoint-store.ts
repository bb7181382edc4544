import {
  DeliveryStatus,
  newDelivery,
  OPEN_STATUSES,
  type EndpointStore,
  type WebhookDelivery,
  type WebhookEndpoint,
} from './endpoint-store.ts';

/** The embedded endpoint store: this process's memory, lost on exit. */
export function createMemoryEndpointStore(): EndpointStore {
  const endpoints = new Map<string, WebhookEndpoint>();
  const checkpoints = new Map<string, number>();
  // Per endpoint, its deliveries by id: the runtime's reads are per endpoint.
  const deliveries = new Map<string, Map<string, WebhookDelivery>>();
  const copy = <T>(value: T): T => structuredClone(value);
  const mine = (tenantId: string, id: string) => {
    const endpoint = endpoints.get(id);
    return endpoint?.tenantId === tenantId ? endpoint : undefined;
  };
  const queueOf = (endpointId: string) => {
    let queue = deliveries.get(endpointId);
    if (!queue) {
      queue = new Map();
      deliveries.set(endpointId, queue);
    }
    return queue;
  };
  const byPosition = (a: WebhookDelivery, b: WebhookDelivery) => a.position - b.position;
  const isOpen = (delivery: WebhookDelivery) => OPEN_STATUSES.includes(delivery.status);

  return {
    async createEndpoint(endpoint) {
      if (endpoints.has(endpoint.id)) throw new Error(`webhook endpoint ${endpoint.id} exists`);
      endpoints.set(endpoint.id, copy(endpoint));
    },
    async endpoint(tenantId, id) {
      const endpoint = mine(tenantId, id);
      return endpoint ? copy(endpoint) : null;
    },
    async endpoints(tenantId) {
      return [...endpoints.values()]
        .filter((e) => e.tenantId === tenantId)
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .map(copy);
    },
    async updateEndpoint(tenantId, id, patch) {
      const endpoint = mine(tenantId, id);
      if (!endpoint) return null;
      const updated = { ...endpoint, ...copy(patch) };
      endpoints.set(id, updated);
      return copy(updated);
    },
    async deleteEndpoint(tenantId, id) {
      if (!mine(tenantId, id)) return false;
      endpoints.delete(id);
      checkpoints.delete(id);
      deliveries.delete(id);
      return true;
    },
    async enabledEndpoints(limit) {
      return [...endpoints.values()]
        .filter((e) => e.status === 'ENABLED')
        .sort((a, b) => (a.id < b.id ? -1 : 1))
        .slice(0, limit)
        .map(copy);
    },

    async checkpoint(endpointId) {
      return checkpoints.get(endpointId) ?? 0;
    },
    async saveCheckpoint(endpointId, position) {
      checkpoints.set(endpointId, position);
    },

    async enqueue(items) {
      for (const delivery of items) {
        const queue = queueOf(delivery.endpointId);
        if (!queue.has(delivery.id)) queue.set(delivery.id, copy(delivery));
      }
    },
    async requeue(tenantId, endpointId, items, now) {
      const endpoint = mine(tenantId, endpointId);
      if (!endpoint) return 0;
      const queue = queueOf(endpointId);
      for (const item of items) {
        const delivery = newDelivery(endpoint, item, now);
        queue.set(delivery.id, delivery);
      }
      return items.length;
    },
    async open(endpointId, { limit, dueBy }) {
      const due = (d: WebhookDelivery) => dueBy === undefined || (d.nextAttemptAt?.getTime() ?? 0) <= dueBy.getTime();
      return [...(deliveries.get(endpointId)?.values() ?? [])]
        .filter((d) => isOpen(d) && due(d))
        .sort(byPosition)
        .slice(0, Math.max(0, limit))
        .map(copy);
    },
    async countOpen(endpointId, limit) {
      let count = 0;
      for (const delivery of deliveries.get(endpointId)?.values() ?? []) {
        if (isOpen(delivery) && ++count >= limit) break;
      }
      return count;
    },
    async saveDelivery(delivery) {
      // A delivery of an endpoint deleted meanwhile stays deleted.
      if (endpoints.has(delivery.endpointId)) queueOf(delivery.endpointId).set(delivery.id, copy(delivery));
    },
    async deliveries(tenantId, endpointId, { status, first, after }) {
      if (!mine(tenantId, endpointId)) return { deliveries: [], hasNextPage: false };
      const page = [...(deliveries.get(endpointId)?.values() ?? [])]
        .filter((d) => (status === undefined || d.status === status) && (after === undefined || d.position < after))
        .sort((a, b) => b.position - a.position);
      return { deliveries: page.slice(0, first).map(copy), hasNextPage: page.length > first };
    },
    async redrive(tenantId, ids, now) {
      const wanted = new Set(ids);
      const touched = new Set<string>();
      let queued = 0;
      for (const [endpointId, queue] of deliveries) {
        if (!mine(tenantId, endpointId)) continue;
        for (const delivery of queue.values()) {
          if (!wanted.has(delivery.id) || delivery.status !== DeliveryStatus.DEAD) continue;
          Object.assign(delivery, { status: DeliveryStatus.PENDING, attempts: 0, nextAttemptAt: now, updatedAt: now });
          touched.add(endpointId);
          queued += 1;
        }
      }
      return { queued, endpointIds: [...touched] };
    },
    async dropDelivered(before, limit) {
      let dropped = 0;
      for (const queue of deliveries.values()) {
        for (const [id, delivery] of queue) {
          if (dropped >= limit) return dropped;
          if (delivery.status === DeliveryStatus.DELIVERED && delivery.updatedAt < before) {
            queue.delete(id);
            dropped += 1;
          }
        }
      }
      return dropped;
    },
    async close() {
      endpoints.clear();
      checkpoints.clear();
      deliveries.clear();
    },
  };
}
