import { z } from 'zod';
import { duration, durationMs } from './retention/duration.ts';

/**
 * Everything the hub reads from its environment, parsed once in `main`.
 * Nothing else reads `process.env`.
 */
const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);
const commaList = z
  .string()
  .optional()
  .transform((value) =>
    (value ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter(Boolean),
  );
/** Events per second, 0 meaning no limit; `coerce` for environment strings, plain for JSON numbers. */
const eventsPerSecond = (number: z.ZodNumber) =>
  number.int('must be a whole number of events per second').min(0, 'must be 0 (no limit) or more events per second');
/** An optional string where an empty value (`VAR=` in a compose file) means unset. */
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value?.trim() ? value.trim() : undefined));
const bool = (fallback: boolean) =>
  z
    .enum(['true', 'false', '1', '0'])
    .optional()
    .transform((value) => (value === undefined ? fallback : value === 'true' || value === '1'));

export const Scope = {
  PUBLISH: 'publish',
  SUBSCRIBE: 'subscribe',
  QUERY: 'query',
  REPLAY: 'replay',
  ADMIN: 'admin',
} as const;
export type Scope = (typeof Scope)[keyof typeof Scope];

const apiKeySchema = z
  .object({
    /** The key itself; hashed at load and never kept in clear. */
    key: z.string().min(16, 'an API key must be at least 16 characters').optional(),
    /** Or its SHA-256 as 64 hex characters, so the clear key never reaches the hub's environment. */
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/i, 'must be 64 hex characters')
      .optional(),
    tenant: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be 1-64 letters, digits, "_" or "-"'),
    scopes: z.array(z.enum(Object.values(Scope) as [Scope, ...Scope[]])).min(1),
    /** An optional display name for logs; never the key. */
    name: z.string().max(64).optional(),
    /**
     * Publishes (events) per second for requests made with this key, instead of
     * HUB_RATE_LIMIT. A budget of this key alone, not shared with the tenant's other
     * keys; 0 = no limit for this key.
     */
    rateLimit: eventsPerSecond(z.number({ error: 'must be a number of events per second' })).optional(),
  })
  .refine((k) => (k.key === undefined) !== (k.sha256 === undefined), 'give exactly one of "key" or "sha256"');
export type ApiKeyConfig = z.infer<typeof apiKeySchema>;

/**
 * A variable holding a JSON array of `item`: unset or empty is `[]`; text that is not JSON says
 * what it should look like (`example`), items are checked by their own schema.
 */
const jsonArray = <T extends z.ZodType>(item: T, example: string, max?: number) =>
  z
    .string()
    .optional()
    .transform((raw, ctx) => {
      if (raw === undefined || raw.trim() === '') return [];
      try {
        return JSON.parse(raw) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: `must be a JSON array such as ${example}` });
        return z.NEVER;
      }
    })
    .pipe(max === undefined ? z.array(item) : z.array(item).max(max));

const apiKeys = jsonArray(apiKeySchema, '[{"key":"…","tenant":"acme","scopes":["publish"]}]');

const retentionPolicySchema = z
  .object({
    tenant: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a tenant id: 1-64 letters, digits, "_" or "-"'),
    warm: durationMs.optional(),
    cold: durationMs.optional(),
    hold: z.boolean().default(false),
  })
  .strict();
export type RetentionPolicyConfig = z.infer<typeof retentionPolicySchema>;

const retentionPolicies = jsonArray(
  retentionPolicySchema,
  '[{"tenant":"acme","warm":"30d","cold":"10y","hold":true}]',
  10_000,
);

const configSchema = z.object({
  /** HTTP and websocket port. */
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  /** Interface to listen on; the default keeps a development hub off the network. */
  HOST: z.string().min(1).default('127.0.0.1'),
  /** MongoDB connection string; unset runs the embedded memory store. */
  MONGODB_URL: z.string().url().optional(),
  /** Database name used on MONGODB_URL. */
  MONGODB_DB: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,60}$/)
    .default('event_hub'),
  /**
   * Write concern `w` of every store write that decides an outcome: `majority` or a node count.
   * An event is ACCEPTED only once its archive write is acknowledged with it.
   */
  MONGODB_WRITE_CONCERN: z
    .string()
    .default('majority')
    .transform((value, ctx): 'majority' | number => {
      if (value === 'majority') return value;
      const nodes = Number(value);
      if (Number.isInteger(nodes) && nodes >= 1) return nodes;
      ctx.addIssue({
        code: 'custom',
        message: 'must be "majority" or a node count of at least 1 (0 would accept events before they are stored)',
      });
      return z.NEVER;
    }),
  /** Whether those writes also wait for the journal (`j`). */
  MONGODB_JOURNAL: bool(true),
  /** Size of the capped live collection (the recent window) in bytes; 0 keeps no live copy. Existing collections keep their size. */
  MONGODB_LIVE_BYTES: z.coerce
    .number()
    .int()
    .min(0)
    .default(64 * 1_048_576),
  /** Server selection timeout and per-query `maxTimeMS`, in milliseconds. */
  MONGODB_TIMEOUT_MS: positiveInt(10_000),
  /** Redis connection string; unset runs the in-process bus (one hub process only). */
  REDIS_URL: z.string().url().optional(),
  /** API keys as a JSON array; empty serves tenant "default" with every scope (logged as a warning). */
  HUB_API_KEYS: apiKeys,
  /**
   * Path of a file holding the API keys in HUB_API_KEYS's JSON format, instead of HUB_API_KEYS
   * (both set is an error). Re-read when it changes, so a leaked key is revoked, or a key added,
   * without a restart; a rewrite that does not parse keeps the last good keys (logged as an error).
   * Set, the hub is never open, even while the file lists no key.
   */
  HUB_API_KEYS_FILE: optionalText,
  /**
   * Shared secret of HS256-signed JWT bearer tokens (at least 32 characters, RFC 7518's 256 bits),
   * so browsers can hold short-lived tokens instead of API keys. Unset: no HS256 token is accepted.
   */
  HUB_JWT_SECRET: optionalText.pipe(
    z.string().min(32, 'must be at least 32 characters (256 bits) for HS256').optional(),
  ),
  /**
   * Path of a JWKS file (`{"keys":[...]}`, RSA or EC public keys) that RS256 and ES256 tokens are
   * verified against; re-read when it changes, so signing keys rotate without a restart. A rewrite
   * that does not parse keeps the last good keys (logged as an error).
   */
  HUB_JWT_JWKS_FILE: optionalText,
  /** The `iss` every token must carry; unset: any issuer whose key or secret verifies. */
  HUB_JWT_ISSUER: optionalText,
  /** The `aud` every token must carry (one of its audiences); unset: any audience. */
  HUB_JWT_AUDIENCE: optionalText,
  /** The claim that names a token's tenant (1-64 letters, digits, "_" or "-"); a token without it is refused. */
  HUB_JWT_TENANT_CLAIM: z.string().trim().min(1).default('tenant'),
  /** Seconds of clock skew allowed on a token's `exp` and `nbf` (between the issuer's clock and the hub's). */
  HUB_JWT_CLOCK_TOLERANCE_S: z.coerce.number().int().min(0).max(300, 'must be at most 300 seconds').default(5),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Largest event (JSON-serialized) accepted, in bytes. */
  HUB_MAX_EVENT_BYTES: positiveInt(1_048_576),
  /** Most items one publishEvents call may carry. */
  HUB_MAX_BATCH: positiveInt(1000),
  /**
   * Signed webhook sources served at `POST /webhooks/{id}`, as a JSON array of
   * `{ id, tenant, scheme: "standard" | "github", secrets: [...], mapping: { type, subject?, timestamp?,
   * idempotencyKey?, payload? } }` (JSONata expressions; docs/INGEST.md). Checked when the hub starts:
   * a source that does not parse, or an expression that does not compile, stops it with the source
   * and field named. Unset: no webhook source.
   */
  HUB_WEBHOOK_SOURCES: optionalText,
  /**
   * Path of a file holding the webhook sources in HUB_WEBHOOK_SOURCES's format, instead of it (both
   * set is an error). Re-read when it changes, so sources and secrets rotate without a restart; a
   * rewrite that does not parse or compile keeps the last good sources (logged as an error).
   */
  HUB_WEBHOOK_SOURCES_FILE: optionalText,
  /**
   * Time one webhook mapping expression may run on one body, in ms; past it (or past a call depth
   * of 500) the webhook is answered 422. JSONata can loop, and the body is the sender's. Default 100.
   */
  HUB_WEBHOOK_MAPPING_MS: positiveInt(100),
  /** Largest HTTP request body, in bytes. */
  HUB_MAX_BODY_BYTES: positiveInt(16 * 1_048_576),
  /** How long an idempotency key is remembered per tenant. */
  HUB_IDEMPOTENCY_WINDOW_MS: positiveInt(86_400_000),
  /**
   * Directory of the cold tier: gzip-compressed NDJSON segments of the events that have aged out of
   * the archive (docs/OPERATIONS.md). Unset: nothing ever leaves the archive and the HUB_RETENTION_*
   * variables do nothing. Needs MONGODB_URL (the memory store numbers positions from 1 again on every start).
   */
  HUB_COLD_DIR: optionalText,
  /**
   * How long the archive keeps an event, counted from its `receivedAt`, before the retention job
   * moves it to a cold segment: a duration such as `365d`, `12h`, `30s`. From a day up, whole UTC
   * days move together. Default 365d.
   */
  HUB_RETENTION_WARM: duration('365d'),
  /** How long cold segments are kept, counted from their events' `receivedAt`, before they are deleted. At least HUB_RETENTION_WARM. Default 7y. */
  HUB_RETENTION_COLD: duration('7y'),
  /** How often the retention job runs; one hub process at a time runs it, through a lease. Default 1h. */
  HUB_RETENTION_INTERVAL: duration('1h'),
  /**
   * Per-tenant retention as a JSON array, e.g. `[{"tenant":"acme","warm":"30d","cold":"10y","hold":true}]`:
   * `warm` and `cold` override the defaults above; `hold: true` (legal hold) keeps the tenant's cold
   * segments however old (its events still move to cold; nothing of it is ever deleted).
   */
  HUB_RETENTION_POLICIES: retentionPolicies,
  /**
   * Tests only, never in production: the process kills itself with SIGKILL when the retention job
   * reaches this step of a move (`afterWrite`: the segment is complete in cold, not yet read back;
   * `afterVerify`: read back and checked, nothing deleted; `duringDelete`: half its events deleted
   * from the archive), so a test can prove a `kill -9` there loses and duplicates nothing. Unset.
   */
  HUB_RETENTION_CRASH_AT: z.enum(['afterWrite', 'afterVerify', 'duringDelete']).optional(),
  /**
   * Browser origins (comma-separated, e.g. https://app.example) allowed to call the hub cross-origin:
   * CORS answers only these, and only these may open a websocket from another origin. Empty: no
   * cross-origin access at all (same-origin pages such as GraphiQL and non-browser clients still work).
   */
  HUB_ALLOWED_ORIGINS: commaList,
  /** Whether schema introspection (and so GraphiQL's docs) is served. Default: on, except with NODE_ENV=production. */
  HUB_INTROSPECTION: bool(true),
  /** `production` turns GraphiQL and introspection off unless HUB_GRAPHIQL / HUB_INTROSPECTION turn them on. */
  NODE_ENV: z.string().optional(),
  /** Whether GET /graphql from a browser serves GraphiQL (its assets from the hub, no CDN). Default: on, except with NODE_ENV=production. */
  HUB_GRAPHIQL: bool(true),
  /**
   * Whether the hub serves the console at /console: static files from the package (console/dist),
   * a client of the same GraphQL API signing in with a key or token; it holds no privileges of
   * its own. Default: on.
   */
  HUB_CONSOLE: bool(true),
  /** Most events `previewFilter` counts before it answers `capped: true`; bounds a preview's work. Default 10000. */
  HUB_PREVIEW_LIMIT: positiveInt(10_000),
  /**
   * A bearer token Prometheus presents to read /metrics (`Authorization: Bearer <token>`). Unset:
   * /metrics is open only when no API keys are configured; with keys, an `admin` key reads it too.
   */
  HUB_METRICS_TOKEN: optionalText.pipe(z.string().min(16, 'must be at least 16 characters').optional()),
  /** GraphQL limits: selection depth, aliases per operation, tokens per document. */
  HUB_MAX_QUERY_DEPTH: positiveInt(12),
  HUB_MAX_ALIASES: positiveInt(30),
  HUB_MAX_TOKENS: positiveInt(5000),
  /** Events buffered per subscription before a slow consumer is disconnected. */
  HUB_SUBSCRIPTION_BUFFER: positiveInt(1000),
  /**
   * Subscriptions one websocket may hold open at once (every subscription operation counts); the next
   * one is refused with TOO_MANY_SUBSCRIPTIONS and the socket stays usable. Stops one client from
   * multiplying its share of the hub's memory and fan-out work. Default 100.
   */
  HUB_MAX_SUBSCRIPTIONS_PER_SOCKET: positiveInt(100),
  /**
   * Live event subscriptions one tenant may hold in this process over all its sockets and SSE
   * streams; more are refused with TOO_MANY_SUBSCRIPTIONS, so one tenant cannot starve the others.
   * Default 10,000.
   */
  HUB_MAX_SUBSCRIPTIONS_PER_TENANT: positiveInt(10_000),
  /** Live event subscriptions this process serves in all; more are refused with TOO_MANY_SUBSCRIPTIONS. Default 50,000. */
  HUB_MAX_SUBSCRIPTIONS: positiveInt(50_000),
  /**
   * Bytes one websocket or SSE stream may hold unsent (written but not flushed, plus the events its
   * subscriptions have queued or are writing). Past it every subscription on it ends with
   * SLOW_CONSUMER and its resume position, so a client that stops reading costs the hub at most
   * this much. Default 8 MiB; keep it above HUB_MAX_EVENT_BYTES.
   */
  HUB_SOCKET_BUFFER_BYTES: positiveInt(8 * 1_048_576),
  /** Largest page `events(first:)` may ask for. */
  HUB_MAX_PAGE_SIZE: positiveInt(1000),
  /**
   * Largest filter argument (events, eventStats, Subscription.events, startReplay, deadLetters), in bytes
   * of JSON. Bounds what one filter makes the hub parse, check and compile. Default 16384.
   */
  HUB_MAX_FILTER_BYTES: positiveInt(16_384),
  /**
   * REGEX type patterns in all the filters of one request (one subscribe, for a subscription): each
   * is compiled and tested against every event considered, so one request may not bring many. Default 16.
   */
  HUB_MAX_REGEX_PER_REQUEST: positiveInt(16),
  /**
   * Compiled instructions of those REGEX patterns together, estimated from their text before any is
   * compiled (`.{0,100}` is about 200). Compile time, and on a store that runs a pattern per document
   * the time of every document tested, grows with it. Default 4000.
   */
  HUB_MAX_REGEX_INSTRUCTIONS: positiveInt(4000),
  /** Refuse event types that are not in the event catalog (handlers/catalog.ts). */
  HUB_STRICT_TYPES: bool(false),
  /**
   * A directory of JSON Schema files, `<type>@<version>.json` (e.g. `crm.contact.created@1.0.json`), adding
   * event types to the catalog beside handlers/catalog.ts: listed by `eventTypes` and GET /catalog, and
   * enforced on every publish. Read at start (a bad file stops the hub, naming it) and again when a file is
   * added, changed or removed; a file that turns bad keeps its last good version (logged as an error).
   * A type defined in code cannot come from a file. Unset: code types only.
   */
  HUB_CATALOG_DIR: optionalText,
  /**
   * Publishes (events) per second per tenant, shared by every hub process on REDIS_URL (else per
   * process); a batch counts one per event. 0 = no limit. A key's own `rateLimit` overrides it.
   */
  HUB_RATE_LIMIT: eventsPerSecond(z.coerce.number({ error: 'must be a number of events per second' })).default(0),
  /** Most ancestors an event may have through causationId; deeper chains are refused (event storms stop). */
  HUB_MAX_CAUSATION_DEPTH: positiveInt(16),
  /** Extra handler modules: absolute paths, comma-separated; each default-exports a handler or an array of them. */
  HUB_HANDLER_MODULES: commaList,
  /** Waits before the 2nd, 3rd, ... attempt of a failing handler, in ms, comma-separated; the last repeats. */
  HUB_HANDLER_BACKOFF_MS: z
    .string()
    .default('1000,5000,30000')
    .transform((value, ctx) => {
      const delays = value.split(',').map((item) => Number(item.trim()));
      if (delays.length > 0 && delays.every((ms) => Number.isInteger(ms) && ms >= 0)) return delays;
      ctx.addIssue({ code: 'custom', message: 'must be whole milliseconds, comma-separated, such as 1000,5000,30000' });
      return z.NEVER;
    }),
  /** Attempts per event and handler before it becomes a dead letter. */
  HUB_HANDLER_MAX_ATTEMPTS: positiveInt(3),
  /** Time limit of one handler attempt, unless the handler sets its own. */
  HUB_HANDLER_TIMEOUT_MS: positiveInt(30_000),
  /** How often each process looks in the store for handler work the bus did not announce. */
  HUB_HANDLER_POLL_MS: positiveInt(1000),
  /** Time limit of one webhook delivery attempt (connect, send, answer, its first 1 KB); past it the attempt failed. Default 10 s. */
  HUB_WEBHOOK_TIMEOUT_MS: positiveInt(10_000),
  /**
   * Waits before the 2nd, 3rd, ... attempt of a webhook delivery, in ms, comma-separated; after the
   * last one the delivery is DEAD. Default 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (8 attempts).
   */
  HUB_WEBHOOK_BACKOFF_MS: z
    .string()
    .default('5000,300000,1800000,7200000,18000000,36000000,36000000')
    .transform((value, ctx) => {
      const delays = value.split(',').map((item) => Number(item.trim()));
      if (delays.length > 0 && delays.every((ms) => Number.isInteger(ms) && ms >= 0)) return delays;
      ctx.addIssue({ code: 'custom', message: 'must be whole milliseconds, comma-separated, such as 5000,300000' });
      return z.NEVER;
    }),
  /** Deliveries under way at once to one unordered endpoint (an ordered one gets one at a time). Default 8. */
  HUB_WEBHOOK_CONCURRENCY: positiveInt(8),
  /**
   * Whether webhook URLs may point at loopback, private, link-local, CGNAT or cloud-metadata
   * addresses. Off: refused when an endpoint is saved and again at each delivery (SSRF). Only for
   * development and tests.
   */
  HUB_WEBHOOK_ALLOW_PRIVATE: bool(false),
  /** How often each process looks for endpoints to serve and for events the bus did not announce. Default 1000. */
  HUB_WEBHOOK_POLL_MS: positiveInt(1000),
  /** Endpoints one process serves at once (each holds a lease); the rest are left to other processes. Default 1000. */
  HUB_WEBHOOK_MAX_ENDPOINTS: positiveInt(1000),
  /** How long a process holds a handler line or replay job without renewing before another may take it. */
  HUB_LEASE_MS: positiveInt(15_000),
  /** Events per second the replay jobs of one process handle together at most, so live traffic keeps its latency. */
  HUB_REPLAY_RATE: positiveInt(500),
  /** How often each process looks in the store for replay jobs to run (new ones, and those of a process that died). */
  HUB_REPLAY_POLL_MS: positiveInt(1000),
  /**
   * Replay jobs of one tenant running at once, across all processes; a tenant's later jobs wait
   * PENDING in the order they were started, and other tenants' jobs never wait on them.
   */
  HUB_MAX_ACTIVE_REPLAYS_PER_TENANT: positiveInt(2),
  /** Days a replay job is kept after it ended (with its record of handler runs); then it is dropped. */
  HUB_REPLAY_RETENTION_DAYS: positiveInt(30),
  /**
   * Differences one SHADOW replay stores for `replayDiff` (each an event, the live and the shadow
   * outcome, up to 16 KiB of captured payloads); past it they are still counted in
   * `ReplayJob.differences`. Default 10,000.
   */
  HUB_SHADOW_MAX_DIFFERENCES: positiveInt(10_000),
  /** Window of the sampled audit events (access denied, rate limit exceeded): at most one per kind, tenant and key per window and process. */
  HUB_AUDIT_SAMPLE_MS: positiveInt(60_000),
  /** Tenant that records denials without a tenant (no valid API key); unset: those are only logged. */
  HUB_AUDIT_TENANT: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,64}$/, 'must be a tenant id: 1-64 letters, digits, "_" or "-"')
    .optional(),
  /**
   * Most audit sampling windows (one per tenant or client address, code, key name and operation type) one
   * process keeps. Protects the hub's memory from callers who make up keys (many addresses, many tenants):
   * past it, new keys share one window per recording tenant, still recorded once per HUB_AUDIT_SAMPLE_MS
   * with their count and `overflow: true`. Default 10000 (about 2 MB).
   */
  HUB_AUDIT_SAMPLER_KEYS: positiveInt(10_000),
  /** How long a graceful shutdown (SIGTERM, SIGINT) may take before the process exits anyway, with code 1. */
  HUB_SHUTDOWN_MS: positiveInt(10_000),
});

/** Settings that only make sense together, checked once every variable has parsed. */
const configChecks = configSchema.superRefine((config, ctx) => {
  if (config.HUB_API_KEYS.length > 0 && config.HUB_API_KEYS_FILE !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['HUB_API_KEYS_FILE'],
      message: 'set either HUB_API_KEYS or HUB_API_KEYS_FILE, not both',
    });
  }
  if (config.HUB_WEBHOOK_SOURCES !== undefined && config.HUB_WEBHOOK_SOURCES_FILE !== undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['HUB_WEBHOOK_SOURCES_FILE'],
      message: 'set either HUB_WEBHOOK_SOURCES or HUB_WEBHOOK_SOURCES_FILE, not both',
    });
  }
  if (config.HUB_COLD_DIR !== undefined && config.MONGODB_URL === undefined) {
    ctx.addIssue({
      code: 'custom',
      path: ['HUB_COLD_DIR'],
      message:
        'needs MONGODB_URL: the memory store numbers positions from 1 again on every start, so its segments would collide',
    });
  }
  checkRetention(config, ctx);
  const jwt = config.HUB_JWT_SECRET !== undefined || config.HUB_JWT_JWKS_FILE !== undefined;
  for (const name of ['HUB_JWT_ISSUER', 'HUB_JWT_AUDIENCE'] as const) {
    if (config[name] !== undefined && !jwt) {
      ctx.addIssue({
        code: 'custom',
        path: [name],
        message: 'has no effect without HUB_JWT_SECRET or HUB_JWT_JWKS_FILE',
      });
    }
  }
});

/** Cold must outlast warm, for the defaults and for every tenant's policy; a tenant is named once. */
function checkRetention(config: z.infer<typeof configSchema>, ctx: z.RefinementCtx): void {
  const seen = new Set<string>();
  config.HUB_RETENTION_POLICIES.forEach((policy, i) => {
    if (seen.has(policy.tenant))
      ctx.addIssue({
        code: 'custom',
        path: ['HUB_RETENTION_POLICIES', i, 'tenant'],
        message: 'names a tenant a second time',
      });
    seen.add(policy.tenant);
    if ((policy.cold ?? config.HUB_RETENTION_COLD) < (policy.warm ?? config.HUB_RETENTION_WARM)) {
      ctx.addIssue({ code: 'custom', path: ['HUB_RETENTION_POLICIES', i, 'cold'], message: 'must be at least warm' });
    }
  });
  if (config.HUB_RETENTION_COLD < config.HUB_RETENTION_WARM) {
    ctx.addIssue({ code: 'custom', path: ['HUB_RETENTION_COLD'], message: 'must be at least HUB_RETENTION_WARM' });
  }
}

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment, or throws a ConfigError listing every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const result = configChecks.safeParse(withEnvironmentDefaults(env));
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${issue.path.join('.') || '(environment)'}: ${issue.message}`);
  throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}

/** Defaults that depend on NODE_ENV: a production hub serves neither GraphiQL nor introspection unless told to. */
function withEnvironmentDefaults(env: Record<string, string | undefined>): Record<string, string | undefined> {
  const development = env['NODE_ENV'] === 'production' ? 'false' : 'true';
  return {
    ...env,
    HUB_GRAPHIQL: env['HUB_GRAPHIQL'] ?? development,
    HUB_INTROSPECTION: env['HUB_INTROSPECTION'] ?? development,
  };
}

/** Parses the text of HUB_API_KEYS_FILE like HUB_API_KEYS (but empty is not "no keys"), or throws a ConfigError saying what is wrong. */
export function parseApiKeys(text: string): ApiKeyConfig[] {
  // a file caught between truncation and write reads empty: that must not revoke every key
  if (text.trim() === '') throw new ConfigError('invalid API keys: the file is empty; write [] for no keys');
  const result = apiKeys.safeParse(text);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => `  ${['keys', ...issue.path].join('.')}: ${issue.message}`);
  throw new ConfigError(`invalid API keys:\n${lines.join('\n')}`);
}

/** The variable names the hub reads, for checks such as docker-compose's environment. */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(configSchema.shape);
