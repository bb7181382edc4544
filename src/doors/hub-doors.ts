import type { GraphQLSchema } from 'graphql';
import type { Authenticator } from '../server/auth.ts';
import type { Config } from '../config.ts';
import type { Logger } from '../logger.ts';
import type { HubServices } from '../server/context.ts';
import { createCatalogDoor } from './catalog-door.ts';
import { createEventsDoor } from './cloudevents/events-door.ts';
import { createConsoleDoor } from './console-door.ts';
import { createExportDoor } from './export/export-door.ts';
import type { HttpRoute } from './http-route.ts';
import { createWebhooksDoor } from './webhooks/webhooks-door.ts';
import type { WebhookSources } from './webhooks/webhook-sources.ts';

export interface HubDoorsOptions {
  config: Config;
  services: HubServices;
  auth: Authenticator;
  schema: GraphQLSchema;
  webhookSources: WebhookSources;
  /** Aborted as the shutdown begins: doors that stream (exports) stop and close their cursors. */
  stopping: AbortSignal;
  log: Logger;
}

/** The ways in and out beside GraphQL, each on the same auth, budgets and audit. */
export function createHubDoors({
  config,
  services,
  auth,
  schema,
  webhookSources,
  stopping,
  log,
}: HubDoorsOptions): HttpRoute[] {
  const maxBodyBytes = config.HUB_MAX_BODY_BYTES;
  const doors: HttpRoute[] = [
    createEventsDoor({ auth, services, maxBodyBytes, maxBatch: config.HUB_MAX_BATCH }),
    createWebhooksDoor({ sources: webhookSources, services, maxBodyBytes }),
    createCatalogDoor({ catalog: services.catalog, auth, audit: services.audit }),
    createExportDoor({ services, auth, schema, stopping, log: log.child({ component: 'export' }) }),
  ];
  if (config.HUB_CONSOLE) doors.push(createConsoleDoor());
  return doors;
}
