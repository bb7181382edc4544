import {
  DeliveryStatus,
  EndpointStatus,
  type WebhookDelivery,
  type WebhookEndpoint,
} from '../src/delivery/endpoint-store.ts';
import type { EndpointWithSecret } from '../src/delivery/webhook-service.ts';
import {
  createWebhookEndpoint,
  deleteWebhookEndpoint,
  deliveryEvent,
  disableWebhookEndpoint,
  enableWebhookEndpoint,
  redriveWebhookDeliveries,
  rotateWebhookSecret,
  updateWebhookEndpoint,
  webhookDeliveries,
  webhookEndpoints,
} from '../resolvers/webhooks.ts';
import { builder } from './builder.ts';
import { EventRef } from './event.ts';
import { EventFilterInput } from './event-filter.ts';
import { PageInfoRef } from './events-query.ts';

const EndpointStatusEnum = builder.enumType('WebhookEndpointStatus', {
  description:
    'DISABLED: nothing is sent (disabled by a client, or after a 410 Gone); enabling it again sends what matched meanwhile.',
  values: Object.values(EndpointStatus),
});

const DeliveryStatusEnum = builder.enumType('DeliveryStatus', {
  description:
    'PENDING: not tried yet. FAILED: tried, to be tried again at nextAttemptAt. DELIVERED: a 2xx came back. DEAD: every attempt failed (redrive to try again).',
  values: Object.values(DeliveryStatus),
});

const fields = {
  url: 'http or https; refused when it reaches a loopback, private, link-local or metadata address.',
  ordered:
    'True: your events one at a time in position order (the next waits for the one before, retries included). False: several at once, in no particular order.',
  rateLimit: 'Deliveries per second to this endpoint at most; 0 or absent: no limit.',
};

const CreateInput = builder.inputType('CreateWebhookEndpointInput', {
  fields: (t) => ({
    url: t.string({ required: true, description: fields.url }),
    filter: t.field({ type: EventFilterInput, description: 'The events to send (default: all of your events).' }),
    description: t.string(),
    ordered: t.boolean({ defaultValue: true, description: fields.ordered }),
    rateLimit: t.int({ description: fields.rateLimit }),
  }),
});

const UpdateInput = builder.inputType('UpdateWebhookEndpointInput', {
  description:
    'The fields to change; absent ones stay as they are. A new filter applies to events after the ones already queued.',
  fields: (t) => ({
    url: t.string({ description: fields.url }),
    filter: t.field({ type: EventFilterInput }),
    description: t.string(),
    ordered: t.boolean({ description: fields.ordered }),
    rateLimit: t.int({ description: fields.rateLimit }),
  }),
});

const EndpointRef = builder.objectRef<WebhookEndpoint>('WebhookEndpoint').implement({
  description:
    'Where matching events of your tenant are POSTed, signed (Standard Webhooks) as CloudEvents. See docs/DELIVERY.md.',
  fields: (t) => ({
    id: t.exposeID('id'),
    url: t.exposeString('url'),
    description: t.exposeString('description'),
    filter: t.field({
      type: 'JSON',
      description: 'The filter as given (dates as ISO strings).',
      resolve: (e) => e.filter,
    }),
    ordered: t.exposeBoolean('ordered'),
    rateLimit: t.int({ nullable: true, resolve: (e) => (e.rateLimit > 0 ? e.rateLimit : null) }),
    status: t.field({ type: EndpointStatusEnum, resolve: (e) => e.status }),
    createdAt: t.field({ type: 'DateTime', resolve: (e) => e.createdAt }),
  }),
});

const EndpointSecretRef = builder.objectRef<EndpointWithSecret>('WebhookEndpointSecret').implement({
  fields: (t) => ({
    endpoint: t.field({ type: EndpointRef, resolve: (r) => r.endpoint }),
    secret: t.exposeString('secret', {
      description: 'The signing secret (`whsec_…`), shown this once: keep it in the receiver.',
    }),
  }),
});

const DeliveryRef = builder.objectRef<WebhookDelivery>('WebhookDelivery').implement({
  description: 'One event sent, or being sent, to one endpoint.',
  fields: (t) => ({
    id: t.exposeID('id'),
    event: t.field({
      type: EventRef,
      nullable: true,
      description: 'Null once the event is no longer stored.',
      resolve: (d, _args, ctx) => deliveryEvent(d, ctx),
    }),
    status: t.field({ type: DeliveryStatusEnum, resolve: (d) => d.status }),
    attempts: t.exposeInt('attempts'),
    lastStatusCode: t.int({
      nullable: true,
      description: 'HTTP status of the last answer; null when none came (timeout, refused).',
      resolve: (d) => d.lastStatusCode ?? null,
    }),
    lastLatencyMs: t.int({ nullable: true, resolve: (d) => d.lastLatencyMs ?? null }),
    lastResponse: t.string({
      nullable: true,
      description: 'The first 1 KB of the last answer, or why none came.',
      resolve: (d) => d.lastResponse ?? null,
    }),
    nextAttemptAt: t.field({ type: 'DateTime', nullable: true, resolve: (d) => d.nextAttemptAt ?? null }),
  }),
});

const DeliveryEdgeRef = builder.objectRef<{ cursor: string; node: WebhookDelivery }>('WebhookDeliveryEdge').implement({
  fields: (t) => ({ cursor: t.exposeString('cursor'), node: t.field({ type: DeliveryRef, resolve: (e) => e.node }) }),
});

const DeliveryConnectionRef = builder
  .objectRef<{
    edges: { cursor: string; node: WebhookDelivery }[];
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
  }>('WebhookDeliveryConnection')
  .implement({
    fields: (t) => ({
      edges: t.field({ type: [DeliveryEdgeRef], resolve: (c) => c.edges }),
      pageInfo: t.field({ type: PageInfoRef, resolve: (c) => c.pageInfo }),
    }),
  });

builder.queryFields((t) => ({
  webhookEndpoints: t.field({
    type: [EndpointRef],
    description: 'Your webhook endpoints, oldest first (scope admin).',
    resolve: (_root, _args, ctx) => webhookEndpoints(ctx),
  }),
  webhookDeliveries: t.field({
    type: DeliveryConnectionRef,
    description: "An endpoint's deliveries, newest event first (scope admin).",
    args: {
      endpointId: t.arg.id({ required: true }),
      status: t.arg({ type: DeliveryStatusEnum }),
      first: t.arg.int({ defaultValue: 50 }),
      after: t.arg.string(),
    },
    resolve: (_root, args, ctx) => webhookDeliveries({ ...args, endpointId: String(args.endpointId) }, ctx),
  }),
}));

builder.mutationFields((t) => ({
  createWebhookEndpoint: t.field({
    type: EndpointSecretRef,
    description: 'Adds an endpoint (scope admin); its signing secret comes back this once.',
    args: { input: t.arg({ type: CreateInput, required: true }) },
    resolve: (_root, args, ctx) => createWebhookEndpoint(args.input, ctx),
  }),
  updateWebhookEndpoint: t.field({
    type: EndpointRef,
    args: { id: t.arg.id({ required: true }), input: t.arg({ type: UpdateInput, required: true }) },
    resolve: (_root, args, ctx) => updateWebhookEndpoint(String(args.id), args.input, ctx),
  }),
  rotateWebhookSecret: t.field({
    type: EndpointSecretRef,
    description:
      'A new signing secret, shown this once; the old one keeps signing beside it for 24 hours (two signatures).',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => rotateWebhookSecret(String(args.id), ctx),
  }),
  disableWebhookEndpoint: t.field({
    type: EndpointRef,
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => disableWebhookEndpoint(String(args.id), ctx),
  }),
  enableWebhookEndpoint: t.field({
    type: EndpointRef,
    description: 'Sends again, starting with what matched while it was disabled.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => enableWebhookEndpoint(String(args.id), ctx),
  }),
  deleteWebhookEndpoint: t.boolean({
    description: 'Removes the endpoint with its deliveries.',
    args: { id: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => deleteWebhookEndpoint(String(args.id), ctx),
  }),
  redriveWebhookDeliveries: t.int({
    description: 'Queues DEAD deliveries to be sent again (scope admin); returns how many were queued.',
    args: { ids: t.arg.idList({ required: true }) },
    resolve: (_root, args, ctx) => redriveWebhookDeliveries(args.ids.map(String), ctx),
  }),
}));
