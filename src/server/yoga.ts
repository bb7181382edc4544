import { randomUUID } from 'node:crypto';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { getOperationAST, NoSchemaIntrospectionCustomRule, type GraphQLSchema } from 'graphql';
import { createYoga, type Plugin, type YogaServerInstance } from 'graphql-yoga';
import type { Config } from '../config.ts';
import { parseTraceContext } from '../events/trace-context.ts';
import type { Logger } from '../logger.ts';
import type { Authenticator } from './auth.ts';
import type { HubContext, HubServices } from './context.ts';
import { useCompiledExecution } from './compiled-execution.ts';
import { createErrorMasker } from './mask-error.ts';
import { auditRefusals } from './audit-refusals.ts';
import { logOperations } from './operation-log.ts';
import { refuseBadTokens } from './refuse-bad-tokens.ts';

export interface YogaOptions {
  schema: GraphQLSchema;
  services: HubServices;
  auth: Authenticator;
  config: Pick<Config, 'HUB_INTROSPECTION' | 'HUB_MAX_QUERY_DEPTH' | 'HUB_MAX_ALIASES' | 'HUB_MAX_TOKENS'>;
  log: Logger;
  /** Told how long each operation executed (metrics). */
  onOperation?: (operation: string, seconds: number) => void;
}

/** Context the websocket adapter passes in: graphql-ws's `connectionParams`. */
interface ServerContext {
  connectionParams?: Record<string, unknown>;
}

export type HubYoga = YogaServerInstance<ServerContext, HubContext>;

export function createHubYoga({ schema, services, auth, config, log, onOperation }: YogaOptions): HubYoga {
  const maskError = createErrorMasker(log);
  return createYoga<ServerContext, HubContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    graphiql: { title: 'Event hub' },
    logging: log.child({ component: 'yoga' }),
    maskedErrors: { maskError },
    // http-server.ts bounds every body (413) before Yoga; Yoga's own limit re-streams each body through a TransformStream
    maxRequestBodySize: false,
    plugins: [
      EnvelopArmorPlugin({
        maxDepth: { n: config.HUB_MAX_QUERY_DEPTH },
        maxAliases: { n: config.HUB_MAX_ALIASES },
        maxTokens: { n: config.HUB_MAX_TOKENS },
        maxDirectives: { n: 50 },
        costLimit: { maxCost: 20_000 },
        blockFieldSuggestion: { enabled: !config.HUB_INTROSPECTION },
      }),
      ...(config.HUB_INTROSPECTION ? [] : [disableIntrospection()]),
      useCompiledExecution(),
      logOperations(),
      auditRefusals(services.audit),
      ...(onOperation ? [timeOperations(onOperation)] : []),
      refuseBadTokens(),
    ],
    context: async ({ request, connectionParams }) => {
      const fromSocket = connectionParams?.['authorization'];
      const authorization = typeof fromSocket === 'string' ? fromSocket : request?.headers.get('authorization');
      const requestId = request?.headers.get('x-request-id')?.slice(0, 200) || randomUUID();
      const fromSocketTrace = connectionParams?.['traceparent'];
      const trace = parseTraceContext(
        typeof fromSocketTrace === 'string' ? fromSocketTrace : request?.headers.get('traceparent'),
        request?.headers.get('tracestate'),
      );
      const { principal, refusal } = await auth.identify(authorization);
      const fields = { requestId, tenantId: principal?.tenantId, ...(trace && { traceId: trace.traceId }) };
      return { services, principal, authRefusal: refusal, requestId, trace, log: log.child(fields) };
    },
  });
}

/** Execution time by operation type; for subscriptions, the time to set the stream up. */
function timeOperations(onOperation: (operation: string, seconds: number) => void): Plugin {
  const timed = (operation: string) => {
    const started = performance.now();
    return { onExecuteDone: () => onOperation(operation, (performance.now() - started) / 1000) };
  };
  return {
    onExecute: ({ args }) => timed(getOperationAST(args.document, args.operationName)?.operation ?? 'unknown'),
    onSubscribe: () => {
      const started = performance.now();
      return { onSubscribeResult: () => onOperation('subscription', (performance.now() - started) / 1000) };
    },
  };
}

function disableIntrospection(): Plugin {
  return { onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule) };
}
