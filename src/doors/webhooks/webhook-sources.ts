import { z } from 'zod';
import { watchFileValue, type WatchedFile } from '../../auth/watched-file.ts';
import { ConfigError, type Config } from '../../config.ts';
import type { Logger } from '../../logger.ts';
import { compileMapping, type CompiledMapping } from './webhook-mapping.ts';
import { standardSecretKey } from './webhook-signatures.ts';

export const WebhookScheme = { STANDARD: 'standard', GITHUB: 'github' } as const;
export type WebhookScheme = (typeof WebhookScheme)[keyof typeof WebhookScheme];

/** A source ready to verify and map deliveries. */
export interface WebhookSource {
  id: string;
  /** Where its events go; the signature is its credential, so no API key names the tenant. */
  tenant: string;
  scheme: WebhookScheme;
  /** HMAC keys, any of which verifies (rotation): a `whsec_` secret's decoded bytes, a GitHub secret's UTF-8. */
  keys: readonly Buffer[];
  mapping: CompiledMapping;
}

const NAME = /^[A-Za-z0-9_-]{1,64}$/;
const expression = z.string().trim().min(1, 'must be a JSONata expression');
const sourceSchema = z.strictObject({
  id: z.string().regex(NAME, 'must be 1-64 letters, digits, "_" or "-"'),
  tenant: z.string().regex(NAME, 'must be a tenant id: 1-64 letters, digits, "_" or "-"'),
  scheme: z.enum([WebhookScheme.STANDARD, WebhookScheme.GITHUB]),
  secrets: z
    .array(z.string())
    .min(1, 'needs at least one secret')
    .max(10, 'at most 10 secrets (two are enough to rotate)'),
  mapping: z.strictObject({
    type: expression,
    subject: expression.optional(),
    timestamp: expression.optional(),
    idempotencyKey: expression.optional(),
    payload: expression.optional(),
  }),
});
type SourceConfig = z.infer<typeof sourceSchema>;

/**
 * Parses and checks webhook sources (HUB_WEBHOOK_SOURCES's JSON), compiling every mapping; throws a
 * ConfigError naming the source and field at fault, and never quoting a secret.
 */
export function parseWebhookSources(text: string, mappingMs: number): ReadonlyMap<string, WebhookSource> {
  // a file caught between truncation and write reads empty: that must not drop every source
  if (text.trim() === '') throw new ConfigError('the webhook sources are empty; write [] for none');
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new ConfigError(
      'the webhook sources are not JSON: write an array such as [{"id":"crm","tenant":"acme","scheme":"standard","secrets":["whsec_…"],"mapping":{"type":"type"}}]',
    );
  }
  if (!Array.isArray(raw)) throw new ConfigError('the webhook sources must be a JSON array');
  const sources = new Map<string, WebhookSource>();
  raw.forEach((item, index) => {
    const source = compileSource(checked(item, index), mappingMs);
    if (sources.has(source.id)) throw new ConfigError(`webhook source "${source.id}" is listed twice`);
    sources.set(source.id, source);
  });
  return sources;
}

function checked(item: unknown, index: number): SourceConfig {
  const result = sourceSchema.safeParse(item);
  if (result.success) return result.data;
  const id = (item as { id?: unknown } | null)?.id;
  const name = typeof id === 'string' && NAME.test(id) ? `"${id}"` : `#${index + 1}`;
  const lines = result.error.issues.map(
    (issue) => `  webhook source ${name}: ${issue.path.join('.') || '(source)'}: ${issue.message}`,
  );
  throw new ConfigError(`invalid webhook source:\n${lines.join('\n')}`);
}

function compileSource(source: SourceConfig, mappingMs: number): WebhookSource {
  const keys = source.secrets.map((secret, i) => {
    if (source.scheme === WebhookScheme.GITHUB) {
      if (secret.length < 16)
        throw new ConfigError(`webhook source "${source.id}": secrets.${i} must be at least 16 characters`);
      return Buffer.from(secret, 'utf8');
    }
    const key = standardSecretKey(secret);
    if (!key)
      throw new ConfigError(
        `webhook source "${source.id}": secrets.${i} must be whsec_ followed by the base64 of 24 to 64 bytes`,
      );
    return key;
  });
  return {
    id: source.id,
    tenant: source.tenant,
    scheme: source.scheme,
    keys,
    mapping: compileMapping(source.id, source.mapping, mappingMs),
  };
}

/** The sources in force, looked up per delivery (a rewritten file replaces them all at once). */
export interface WebhookSources {
  get(id: string): WebhookSource | undefined;
  /** Stops watching HUB_WEBHOOK_SOURCES_FILE. */
  close(): void;
}

/**
 * The sources of HUB_WEBHOOK_SOURCES, or of HUB_WEBHOOK_SOURCES_FILE read now and again on every
 * change (a rewrite that does not parse or compile keeps the sources in force). Throws a ConfigError
 * at start, so a hub never serves with a source it cannot check.
 */
export async function loadWebhookSources(
  config: Pick<Config, 'HUB_WEBHOOK_SOURCES' | 'HUB_WEBHOOK_SOURCES_FILE' | 'HUB_WEBHOOK_MAPPING_MS'>,
  log: Logger,
): Promise<WebhookSources> {
  const parse = (text: string) => parseWebhookSources(text, config.HUB_WEBHOOK_MAPPING_MS);
  if (config.HUB_WEBHOOK_SOURCES_FILE === undefined) {
    const sources =
      config.HUB_WEBHOOK_SOURCES === undefined
        ? new Map<string, WebhookSource>()
        : inVariable(parse, config.HUB_WEBHOOK_SOURCES);
    return { get: (id) => sources.get(id), close: () => {} };
  }
  const file: WatchedFile<ReadonlyMap<string, WebhookSource>> = await watchFileValue({
    path: config.HUB_WEBHOOK_SOURCES_FILE,
    parse,
    onChange: () => {},
    what: 'HUB_WEBHOOK_SOURCES_FILE',
    log,
  });
  return { get: (id) => file.current.get(id), close: () => file.close() };
}

function inVariable(
  parse: (text: string) => ReadonlyMap<string, WebhookSource>,
  text: string,
): ReadonlyMap<string, WebhookSource> {
  try {
    return parse(text);
  } catch (error) {
    throw new ConfigError(`HUB_WEBHOOK_SOURCES: ${(error as Error).message}`, { cause: error });
  }
}
