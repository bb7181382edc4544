import { Scope } from '../src/config.ts';
import { badInput } from '../src/errors.ts';
import type { DeliveryStatus, WebhookDelivery, WebhookEndpoint } from '../src/delivery/endpoint-store.ts';
import type { EndpointInput, EndpointWithSecret } from '../src/delivery/webhook-service.ts';
import type { HubEvent } from '../src/events/event.ts';
import { decodePosition, encodePosition } from '../src/events/position.ts';
import { requireScope } from '../src/server/auth.ts';
import type { HubContext } from '../src/server/context.ts';
import { requestFilter } from './filter-request.ts';

/** Every webhook operation needs the `admin` scope and sees only the caller's tenant. */
const tenantOf = (ctx: HubContext) => requireScope(ctx.principal, Scope.ADMIN).tenantId;

/** The input's filter checked against the request's budget before the service stores it. */
async function checkedInput(input: EndpointInput, ctx: HubContext): Promise<EndpointInput> {
  if (input.filter != null) await requestFilter(input.filter, ctx, ['input', 'filter']);
  return input;
}

export async function createWebhookEndpoint(input: EndpointInput, ctx: HubContext): Promise<EndpointWithSecret> {
  const tenantId = tenantOf(ctx);
  return ctx.services.webhooks.create(tenantId, await checkedInput(input, ctx));
}

export async function updateWebhookEndpoint(
  id: string,
  input: EndpointInput,
  ctx: HubContext,
): Promise<WebhookEndpoint> {
  const tenantId = tenantOf(ctx);
  return ctx.services.webhooks.update(tenantId, id, await checkedInput(input, ctx));
}

export const rotateWebhookSecret = (id: string, ctx: HubContext) =>
  ctx.services.webhooks.rotateSecret(tenantOf(ctx), id);
export const disableWebhookEndpoint = (id: string, ctx: HubContext) =>
  ctx.services.webhooks.setStatus(tenantOf(ctx), id, 'DISABLED');
export const enableWebhookEndpoint = (id: string, ctx: HubContext) =>
  ctx.services.webhooks.setStatus(tenantOf(ctx), id, 'ENABLED');
export const webhookEndpoints = (ctx: HubContext) => ctx.services.webhooks.list(tenantOf(ctx));

export async function deleteWebhookEndpoint(id: string, ctx: HubContext): Promise<boolean> {
  await ctx.services.webhooks.remove(tenantOf(ctx), id);
  return true;
}

export async function webhookDeliveries(
  args: {
    endpointId: string;
    status?: DeliveryStatus | null | undefined;
    first?: number | null | undefined;
    after?: string | null | undefined;
  },
  ctx: HubContext,
) {
  const tenantId = tenantOf(ctx);
  const first = args.first ?? 50;
  const { maxPageSize } = ctx.services.limits;
  if (!Number.isInteger(first) || first < 1 || first > maxPageSize)
    throw badInput(`"first" must be between 1 and ${maxPageSize}`, ['first']);
  const page = await ctx.services.webhooks.deliveries(tenantId, args.endpointId, {
    first,
    ...(args.status != null && { status: args.status }),
    ...(args.after != null && { after: decodePosition(args.after) }),
  });
  const edges = page.deliveries.map((node) => ({ cursor: encodePosition(node.position), node }));
  return { edges, pageInfo: { hasNextPage: page.hasNextPage, endCursor: edges.at(-1)?.cursor ?? null } };
}

export async function redriveWebhookDeliveries(ids: readonly string[], ctx: HubContext): Promise<number> {
  const tenantId = tenantOf(ctx);
  if (ids.length > ctx.services.limits.maxPageSize)
    throw badInput(`at most ${ctx.services.limits.maxPageSize} ids at a time`, ['ids']);
  return ctx.services.webhooks.redrive(tenantId, ids);
}

/** The delivered event, or null once it is no longer stored. */
export const deliveryEvent = (delivery: WebhookDelivery, ctx: HubContext): Promise<HubEvent | null> =>
  ctx.services.store.get(delivery.tenantId, delivery.eventId);
