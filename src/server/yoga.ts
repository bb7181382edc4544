import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { EnvelopArmorPlugin } from '@escape.tech/graphql-armor';
import { GraphQLError, NoSchemaIntrospectionCustomRule, type GraphQLSchema } from 'graphql';
import {
  createYoga,
  type GraphiQLOptions,
  shouldRenderGraphiQL,
  type Plugin,
  type YogaServerInstance,
} from 'graphql-yoga';
import type { Config } from '../config.ts';
import { ErrorCode } from '../errors.ts';
import { createConnectionBudget } from '../live/connection-budget.ts';
import { parseTraceContext } from '../events/trace-context.ts';
import type { Logger } from '../logger.ts';
import type { Authenticator } from './auth.ts';
import type { HubContext, HubServices } from './context.ts';
import { useCompiledExecution } from './compiled-execution.ts';
import { createErrorMasker } from './mask-error.ts';
import { corsFor, varyOnOrigin } from './cors.ts';
import { costLimit, costLimitOfVariables } from './cost-limit.ts';
import { CSRF_HEADER, csrfPrevention } from './csrf-prevention.ts';
import { auditRefusals } from './audit-refusals.ts';
import { observeOperations, type OperationTimer } from './operation-log.ts';
import { refuseBadTokens } from './refuse-bad-tokens.ts';
import { cacheValidation } from './validation-cache.ts';

export interface YogaOptions {
  schema: GraphQLSchema;
  services: HubServices;
  auth: Authenticator;
  config: Pick<
    Config,
    | 'HUB_INTROSPECTION'
    | 'HUB_GRAPHIQL'
    | 'HUB_ALLOWED_ORIGINS'
    | 'HUB_MAX_PAGE_SIZE'
    | 'HUB_MAX_QUERY_DEPTH'
    | 'HUB_MAX_ALIASES'
    | 'HUB_MAX_TOKENS'
    | 'HUB_SOCKET_BUFFER_BYTES'
  >;
  log: Logger;
  /** Told how long each operation executed (metrics). */
  onOperation?: OperationTimer;
}

/** Context the servers pass in: Node's request (HTTP and websocket upgrade alike) and, for HTTP, its response; graphql-ws's `connectionParams`. */
interface ServerContext {
  req?: IncomingMessage;
  connectionParams?: Record<string, unknown>;
  res?: ServerResponse;
}

export type HubYoga = YogaServerInstance<ServerContext, HubContext>;

export function createHubYoga({ schema, services, auth, config, log, onOperation }: YogaOptions): HubYoga {
  const { maskError, yogaLogger } = createErrorMasker(log);
  const cost = costLimit(config.HUB_MAX_PAGE_SIZE);
  return createYoga<ServerContext, HubContext>({
    schema,
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // GraphiQL's scripts and styles inlined in the page (render-graphiql), never from a CDN; it sets the CSRF header should it send GETs
    graphiql: config.HUB_GRAPHIQL && { title: 'Event hub', additionalHeaders: { [CSRF_HEADER]: 'graphiql' } },
    renderGraphiQL: renderGraphiQLOnDemand,
    cors: corsFor(config.HUB_ALLOWED_ORIGINS),
    logging: yogaLogger,
    maskedErrors: { maskError },
    // http-server.ts bounds every body (413) before Yoga; Yoga's own limit re-streams each body through a TransformStream
    maxRequestBodySize: false,
    // csrfPrevention refuses form bodies before any parser looks, so the multipart one would only cost each request a check
    multipart: false,
    // validation results are remembered by cacheValidation, last among the plugins
    parserAndValidationCache: { validationCache: false },
    plugins: [
      ...(config.HUB_GRAPHIQL ? [] : [graphiqlOff()]),
      varyOnOrigin(config.HUB_ALLOWED_ORIGINS),
      ...csrfPrevention(),
      EnvelopArmorPlugin({
        maxDepth: { n: config.HUB_MAX_QUERY_DEPTH },
        maxAliases: { n: config.HUB_MAX_ALIASES },
        maxTokens: { n: config.HUB_MAX_TOKENS },
        maxDirectives: { n: 50 },
        costLimit: cost,
        blockFieldSuggestion: { enabled: !config.HUB_INTROSPECTION },
      }),
      costLimitOfVariables(cost, config.HUB_MAX_PAGE_SIZE),
      ...(config.HUB_INTROSPECTION ? [] : [disableIntrospection()]),
      refuseOverNesting(),
      useCompiledExecution(),
      observeOperations(log, onOperation),
      auditRefusals(services.audit),
      refuseBadTokens(),
      cacheValidation(),
    ],
    context: async ({ request, req, connectionParams, res }) => {
      const fromSocket = connectionParams?.['authorization'];
      const authorization = typeof fromSocket === 'string' ? fromSocket : request?.headers.get('authorization');
      const requestId = request?.headers.get('x-request-id')?.slice(0, 200) || randomUUID();
      const fromSocketTrace = connectionParams?.['traceparent'];
      const trace = parseTraceContext(
        typeof fromSocketTrace === 'string' ? fromSocketTrace : request?.headers.get('traceparent'),
        request?.headers.get('tracestate'),
      );
      const { principal, refusal } = await auth.identify(authorization);
      // An SSE stream's frames wait in the response until its client reads them (the websocket server sets its own).
      const connectionBudget = res && createConnectionBudget(config.HUB_SOCKET_BUFFER_BYTES, () => res.writableLength);
      const clientAddress = req?.socket.remoteAddress;
      return {
        services,
        principal,
        authRefusal: refusal,
        requestId,
        trace,
        clientAddress,
        connectionBudget,
        operationStartedAt: 0,
      };
    },
  });
}

/**
 * render-graphiql is a script of several megabytes: imported when a browser
 * first asks for the page, not at start, it costs a hub nobody opens GraphiQL
 * on nothing (bench:idle measures what it held).
 */
async function renderGraphiQLOnDemand(options: GraphiQLOptions): Promise<string> {
  const { renderGraphiQL } = await import('@graphql-yoga/render-graphiql');
  return renderGraphiQL(options);
}

/**
 * graphql-js parses value literals recursively: a list literal nested 2,400
 * deep fits HUB_MAX_TOKENS and overflows the stack. Such a document is the
 * client's doing, so it gets BAD_USER_INPUT instead of a masked internal error.
 */
function refuseOverNesting(): Plugin {
  return {
    onParse:
      () =>
      ({ result, replaceParseResult }) => {
        if (result instanceof RangeError) {
          replaceParseResult(
            new GraphQLError('the document is nested too deeply to parse', {
              extensions: { code: ErrorCode.BAD_USER_INPUT },
            }),
          );
        }
      },
  };
}

function disableIntrospection(): Plugin {
  return { onValidate: ({ addValidationRule }) => addValidationRule(NoSchemaIntrospectionCustomRule) };
}

/** With GraphiQL off, a browser asking /graphql for a page is told so, rather than getting a GraphQL error about a missing query. */
function graphiqlOff(): Plugin {
  return {
    onRequest({ request, endResponse, fetchAPI }) {
      if (!shouldRenderGraphiQL(request)) return;
      endResponse(
        new fetchAPI.Response('GraphiQL is off on this hub (HUB_GRAPHIQL)', {
          status: 404,
          headers: { 'content-type': 'text/plain; charset=utf-8' },
        }),
      );
    },
  };
}
