import { Option, type Command } from 'commander';
import { filterOf, withFilterOptions, type FilterFlags } from '../filter-options.ts';
import { graphql } from '../hub-client.ts';
import { globalsOf } from '../output.ts';
import { positiveInt } from './publish.ts';

const ENDPOINT_FIELDS = 'id url description filter ordered status createdAt';
const CREATE = `mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id url status filter } secret } }`;
const LIST = `query { webhookEndpoints { ${ENDPOINT_FIELDS} } }`;
const DELIVERIES = `query($endpointId: ID!, $status: DeliveryStatus, $first: Int, $after: String) {
  webhookDeliveries(endpointId: $endpointId, status: $status, first: $first, after: $after) {
    edges { node { id event { id } status attempts lastStatusCode lastLatencyMs lastResponse nextAttemptAt } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const REDRIVE = `mutation($ids: [ID!]!) { redriveWebhookDeliveries(ids: $ids) }`;

interface Endpoint {
  id: string;
  url: string;
  status: string;
  description?: string | null;
}
interface Delivery {
  id: string;
  event: { id: string };
  status: string;
  attempts: number;
  lastStatusCode: number | null;
  nextAttemptAt: string | null;
}
type DeliveryPage = {
  webhookDeliveries: { edges: { node: Delivery }[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
};

const endpointLine = (endpoint: Endpoint) =>
  `${endpoint.id}  ${endpoint.status}  ${endpoint.url}${endpoint.description ? `  ${endpoint.description}` : ''}`;
const deliveryLine = (delivery: Delivery) =>
  `${delivery.id}  ${delivery.status}  event ${delivery.event.id}  attempts ${delivery.attempts}  last ${delivery.lastStatusCode ?? '-'}${delivery.nextAttemptAt ? `  next ${delivery.nextAttemptAt}` : ''}`;

export function registerEndpoints(program: Command): void {
  const endpoints = program
    .command('endpoints')
    .description('webhook endpoints the hub delivers matching events to (scope admin)');
  withFilterOptions(
    endpoints
      .command('create')
      .description('create an endpoint; its signing secret is shown this once')
      .argument('<url>', 'where the hub POSTs the events (https://…)')
      .option('-d, --description <text>', 'what it is for')
      .option('--unordered', 'deliver concurrently rather than in position order')
      .option('--rate-limit <n>', 'deliveries per second at most', positiveInt),
  ).action(
    async (
      url: string,
      options: FilterFlags & { description?: string; unordered?: boolean; rateLimit?: number },
      command: Command,
    ) => {
      const { target, out } = globalsOf(command);
      const input = {
        url,
        filter: filterOf(options) ?? {},
        ordered: options.unordered !== true,
        ...(options.description !== undefined && { description: options.description }),
        ...(options.rateLimit !== undefined && { rateLimit: options.rateLimit }),
      };
      const { createWebhookEndpoint: created } = await graphql<{
        createWebhookEndpoint: { endpoint: Endpoint; secret: string };
      }>(target, CREATE, { input });
      out.data(created, ({ endpoint, secret }) => `${endpointLine(endpoint)}\nsecret (shown once): ${secret}`);
    },
  );
  endpoints
    .command('list')
    .description('list your endpoints')
    .action(async (_options: unknown, command: Command) => {
      const { target, out } = globalsOf(command);
      for (const endpoint of (await graphql<{ webhookEndpoints: Endpoint[] }>(target, LIST)).webhookEndpoints)
        out.data(endpoint, endpointLine);
    });
  endpoints
    .command('deliveries')
    .description('deliveries to an endpoint, newest first')
    .argument('<endpoint-id>', 'the endpoint')
    .addOption(new Option('--status <status>', 'only these').choices(['PENDING', 'DELIVERED', 'FAILED', 'DEAD']))
    .option('-n, --limit <n>', 'at most this many', positiveInt, 50)
    .action(async (endpointId: string, options: { status?: string; limit: number }, command: Command) => {
      const { target, out } = globalsOf(command);
      let after: string | undefined;
      for (let left = options.limit; left > 0; ) {
        const variables = { endpointId, status: options.status, first: Math.min(left, 100), after };
        const { webhookDeliveries: page } = await graphql<DeliveryPage>(target, DELIVERIES, variables);
        for (const { node } of page.edges) out.data(node, deliveryLine);
        left -= page.edges.length;
        if (!page.pageInfo.hasNextPage || page.pageInfo.endCursor === null) break;
        after = page.pageInfo.endCursor;
      }
    });
  endpoints
    .command('redrive')
    .description('send dead or failed deliveries again')
    .argument('<id...>', 'delivery ids (from endpoints deliveries)')
    .action(async (ids: string[], _options: unknown, command: Command) => {
      const { target, out } = globalsOf(command);
      const { redriveWebhookDeliveries: queued } = await graphql<{ redriveWebhookDeliveries: number }>(
        target,
        REDRIVE,
        { ids },
      );
      out.data({ queued }, () => `${queued} deliveries queued again`);
    });
}
