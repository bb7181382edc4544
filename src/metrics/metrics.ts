import { TYPE_NAME } from '../ingest/event-input.ts';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Values read at scrape time from the parts that know them. */
export interface MetricSources {
  openSubscriptions(): number;
  websocketConnections(): number;
  /** Lag per handler, summed over tenants (positions not yet reached). */
  handlerLag(): Promise<Map<string, number>>;
  /** Replay jobs per status. */
  replayJobs(): Promise<Map<string, number>>;
}

/**
 * The hub's Prometheus metrics (docs/OPERATIONS.md lists them). Label values
 * stay bounded: tenants come from the configured API keys, types are cut to
 * their first segment, handlers and statuses are fixed sets; never an id.
 */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let sources: MetricSources | null = null;

  const published = new Counter({
    name: 'events_published_total',
    help: 'Publish outcomes by tenant, first segment of the event type, and status (ACCEPTED, DUPLICATE, REJECTED).',
    labelNames: ['tenant', 'domain', 'status'] as const,
    registers: [registry],
  });
  const consumed = new Counter({
    name: 'events_consumed_total',
    help: 'Handler attempts started.',
    labelNames: ['handler'] as const,
    registers: [registry],
  });
  const acked = new Counter({
    name: 'events_acked_total',
    help: 'Handler attempts that succeeded.',
    labelNames: ['handler'] as const,
    registers: [registry],
  });
  const nacked = new Counter({
    name: 'events_nacked_total',
    help: 'Handler attempts that failed (thrown or timed out).',
    labelNames: ['handler'] as const,
    registers: [registry],
  });
  const deadLettered = new Counter({
    name: 'events_dlq_total',
    help: 'Events handlers gave up on (dead letters).',
    labelNames: ['handler'] as const,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'event_processing_duration_seconds',
    help: 'Duration of handler attempts.',
    labelNames: ['handler'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [registry],
  });
  new Gauge({
    name: 'consumer_lag',
    help: 'Positions handlers have not reached yet, summed over tenants.',
    labelNames: ['handler'] as const,
    registers: [registry],
    async collect() {
      if (!sources) return;
      this.reset();
      for (const [handler, lag] of await sources.handlerLag()) this.set({ handler }, lag);
    },
  });
  new Gauge({
    name: 'subscriptions_open',
    help: 'Live subscriptions open on this process (graphql-ws and SSE).',
    registers: [registry],
    collect() {
      if (sources) this.set(sources.openSubscriptions());
    },
  });
  new Gauge({
    name: 'websocket_connections',
    help: 'Open websocket connections on this process.',
    registers: [registry],
    collect() {
      if (sources) this.set(sources.websocketConnections());
    },
  });
  const rateLimited = new Counter({
    name: 'rate_limited_total',
    help: 'Publish requests refused with RATE_LIMITED, one per request whatever its batch size, by tenant.',
    labelNames: ['tenant'] as const,
    registers: [registry],
  });
  const slowConsumers = new Counter({
    name: 'slow_consumer_closes_total',
    help: 'Subscriptions ended with SLOW_CONSUMER.',
    registers: [registry],
  });
  new Gauge({
    name: 'replay_jobs',
    help: 'Replay jobs of every tenant by status.',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      if (!sources) return;
      this.reset();
      for (const [status, count] of await sources.replayJobs()) this.set({ status }, count);
    },
  });
  const requestDuration = new Histogram({
    name: 'graphql_request_duration_seconds',
    help: 'GraphQL execution time by operation type (query, mutation, subscription setup).',
    labelNames: ['operation'] as const,
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });

  const domains = createDomainLabels();
  return {
    registry,
    /** Connects the scrape-time gauges to the running hub. */
    attach(from: MetricSources) {
      sources = from;
    },
    published(tenant: string, type: string, status: string) {
      published.inc({ tenant, domain: domains.of(tenant, type), status });
    },
    attemptStarted: (handler: string) => consumed.inc({ handler }),
    attemptFinished(handler: string, ok: boolean, seconds: number) {
      (ok ? acked : nacked).inc({ handler });
      duration.observe({ handler }, seconds);
    },
    deadLettered: (handler: string) => deadLettered.inc({ handler }),
    slowConsumer: () => slowConsumers.inc(),
    rateLimited: (tenant: string) => rateLimited.inc({ tenant }),
    graphqlRequest: (operation: string, seconds: number) => requestDuration.observe({ operation }, seconds),
  };
}

export type HubMetrics = ReturnType<typeof createMetrics>;

/** Distinct `domain` label values kept per tenant; further domains count as `other`. */
export const MAX_DOMAINS_PER_TENANT = 50;

/**
 * The `domain` label of events_published_total: the type's first segment,
 * bounded because types come from callers: a type that is not a valid name
 * (a REJECTED input) counts as `invalid`, and past MAX_DOMAINS_PER_TENANT
 * distinct domains in a tenant the new ones count as `other`, so no client
 * can grow the number of series without end.
 */
function createDomainLabels() {
  const seen = new Map<string, Set<string>>();
  return {
    of(tenant: string, type: string): string {
      if (!TYPE_NAME.test(type)) return 'invalid';
      const domain = type.slice(0, type.indexOf('.'));
      let known = seen.get(tenant);
      if (!known) {
        known = new Set();
        seen.set(tenant, known);
      }
      if (known.has(domain)) return domain;
      if (known.size >= MAX_DOMAINS_PER_TENANT) return 'other';
      known.add(domain);
      return domain;
    },
  };
}
