import type { IncomingMessage, ServerResponse } from 'node:http';
import { Scope } from '../../config.ts';
import { badInput, isHubError } from '../../errors.ts';
import type { TraceContext } from '../../events/trace-context.ts';
import type { Authenticator } from '../../server/auth.ts';
import type { HubServices } from '../../server/context.ts';
import {
  answerOf,
  publishThroughDoor,
  requestActor,
  requestTrace,
  sendJson,
  type DoorPublisher,
} from '../door-publish.ts';
import { isDoorRefusal } from '../door-refusal.ts';
import { readBody, type HttpRoute } from '../http-route.ts';
import { problem, problemBody, problemOf, sendProblem, type Problem } from '../problem.ts';
import { principalFor } from '../request-principal.ts';
import { fromBinaryMode } from './binary-mode.ts';
import { cloudEventPath, fromCloudEvent, notJson, type MappedCloudEvent } from './cloud-event.ts';

const OPERATION = 'POST /events';

export interface EventsDoorOptions {
  auth: Authenticator;
  services: Pick<HubServices, 'ingest' | 'audit'>;
  /** HUB_MAX_BODY_BYTES: a larger body is answered 413 unread. */
  maxBodyBytes: number;
  /** HUB_MAX_BATCH: most events in one batched request. */
  maxBatch: number;
}

type Mode = 'binary' | 'structured' | 'batch';

/**
 * `POST /events`: CloudEvents 1.0 over HTTP in its three content modes, told apart by Content-Type
 * as the binding says. Each event is published through ingest like a GraphQL publish, with the
 * caller's API key or token (scope `publish`). One event answers 202 `{ status, id, position,
 * originalEventId }` or a problem document; a batch answers 202 with one such object per event, in
 * order, a refused one carrying its `problem` (the batch as a whole is refused only when it cannot
 * be read, is too large, or is over the rate limit).
 */
export function createEventsDoor(options: EventsDoorOptions): HttpRoute {
  return {
    name: OPERATION,
    matches: (pathname) => pathname === '/events',
    async handle(req, res) {
      try {
        await serve(req, res, options);
      } catch (error) {
        if (isDoorRefusal(error)) return sendProblem(res, error.problem);
        if (isHubError(error)) return sendProblem(res, problemOf(error));
        throw error;
      }
    },
  };
}

async function serve(req: IncomingMessage, res: ServerResponse, options: EventsDoorOptions): Promise<void> {
  if (req.method !== 'POST') {
    res.setHeader('allow', 'POST');
    return sendProblem(res, problem(405, 'METHOD_NOT_ALLOWED', 'send events with POST'));
  }
  const principal = await principalForEvents(req, options);
  const body = await readBody(req, options.maxBodyBytes);
  if (body === null) {
    res.setHeader('connection', 'close');
    return sendProblem(
      res,
      problem(413, 'PAYLOAD_TOO_LARGE', `request body exceeds ${options.maxBodyBytes} bytes`, {
        extensions: { limit: options.maxBodyBytes },
      }),
    );
  }
  const publisher: DoorPublisher = {
    tenantId: principal.tenantId,
    by: principal,
    operation: OPERATION,
    actor: requestActor(req, principal.keyName),
  };
  const trace = requestTrace(req);
  const mode = modeOf(req.headers['content-type']);
  if (mode === 'batch') return sendJson(res, 202, await publishBatch(parseJson(body), publisher, trace, options));

  const event = fromCloudEvent(mode === 'binary' ? fromBinaryMode(req.headers, body) : jsonObject(parseJson(body)));
  const [result] = await publishThroughDoor(options.services, publisher, [event.input], {
    trace: event.trace ?? trace,
  });
  if (result!.status === 'REJECTED') return sendProblem(res, inCloudEventTerms(problemOf(result!.error)));
  sendJson(res, 202, answerOf(result!));
}

/** Each item read on its own, so that a bad one is refused in its place and the others go on; one publish for the rest. */
async function publishBatch(
  batch: unknown,
  publisher: DoorPublisher,
  trace: TraceContext | undefined,
  options: EventsDoorOptions,
): Promise<Record<string, unknown>[]> {
  if (!Array.isArray(batch)) throw badInput('a batch is a JSON array of CloudEvents', []);
  if (batch.length > options.maxBatch)
    throw badInput(`a batch may hold at most ${options.maxBatch} events; got ${batch.length}`, []);
  const answers: Record<string, unknown>[] = new Array(batch.length);
  const read: { index: number; event: MappedCloudEvent }[] = [];
  batch.forEach((item, index) => {
    try {
      read.push({ index, event: fromCloudEvent(jsonObject(item)) });
    } catch (error) {
      if (!isDoorRefusal(error) && !isHubError(error)) throw error;
      const refusal = isDoorRefusal(error) ? error.problem : problemOf(error);
      answers[index] = {
        status: 'REJECTED',
        id: null,
        position: null,
        originalEventId: null,
        problem: problemBody(refusal),
      };
    }
  });
  const inputs = read.map(({ event }) => event.input);
  const results = await publishThroughDoor(options.services, publisher, inputs, {
    trace,
    traces: read.map(({ event }) => event.trace),
  });
  results.forEach((result, i) => {
    answers[read[i]!.index] = answerOf(result, cloudEventPath);
  });
  return answers;
}

/** By Content-Type, as the binding says; an event format other than JSON is 415. */
function modeOf(contentType: string | undefined): Mode {
  const mediaType = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (mediaType.startsWith('application/cloudevents-batch')) {
    if (mediaType === 'application/cloudevents-batch+json') return 'batch';
    throw notJson(`batch format ${mediaType.slice(0, 100)}`);
  }
  if (mediaType.startsWith('application/cloudevents')) {
    if (mediaType === 'application/cloudevents+json') return 'structured';
    throw notJson(`event format ${mediaType.slice(0, 100)}`);
  }
  return 'binary';
}

function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw badInput('the body is not valid JSON', []);
  }
}

function jsonObject(value: unknown): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw badInput('a CloudEvent in JSON is an object', []);
  return value as Record<string, unknown>;
}

/** An ingest refusal's path in CloudEvents attribute names (the door's own refusals already use them). */
const inCloudEventTerms = (refusal: Problem): Problem => ({
  ...refusal,
  path: refusal.path && cloudEventPath(refusal.path),
});

function principalForEvents(req: IncomingMessage, { auth, services }: EventsDoorOptions) {
  return principalFor(req, Scope.PUBLISH, OPERATION, { auth, audit: services.audit });
}
