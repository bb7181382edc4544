import { execute, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { HubEvent } from '../events/event.ts';
import { sharedSelection } from './shared-selection.ts';

/** One subscription (a graphql-ws `subscribe`) whose `next` frames may be shared with others. */
export interface SharedOperation {
  /** Whom it shares results with: same tenant, document, operation name and values of the variables the result depends on. */
  readonly key: string;
  readonly tenantId: string;
  /** The graphql-ws subscription id its frames carry. */
  readonly id: string;
  readonly args: SharedOperationArgs;
}

/** The subscriber's own execution arguments (graphql-ws's, so no copy); the event becomes the root value. */
export interface SharedOperationArgs {
  schema: GraphQLSchema;
  document: DocumentNode;
  operationName: string | null;
  variableValues: Record<string, unknown> | null;
  contextValue: unknown;
}

/**
 * A `next` message: one buffer, or for a large result three that are written
 * as the fragments of one websocket message (RFC 6455 §5.4): a head naming the
 * subscription id, the serialized result (the same buffer for every
 * subscriber of the key), and the closing brace.
 */
export type NextFrame = Buffer | readonly [head: Buffer, result: Buffer, tail: Buffer];

/** Results at least this long are shared as fragments rather than copied into one buffer per subscription id. */
export const FRAGMENT_BYTES = 64 * 1024;

const TAIL = Buffer.from('}');

/** The bytes `frame` puts on the wire. */
export const frameBytes = (frame: NextFrame): number =>
  Buffer.isBuffer(frame) ? frame.length : frame[0].length + frame[1].length + frame[2].length;

export interface NextFrames {
  /** The operation's sharing identity, or null when its results may differ per subscriber (shared-selection.ts). */
  operation(args: SharedOperationArgs, tenantId: string, id: string): SharedOperation | null;
  /**
   * The whole graphql-ws `next` message of `operation` for `event`, executed
   * and serialized once per event and key, as graphql-ws would write it.
   * Null when the event must take the normal path: it is another tenant's,
   * its result has errors (masking logs each one with its own correlation id)
   * or the execution did not finish synchronously.
   */
  frame(event: HubEvent, operation: SharedOperation): NextFrame | null;
}

/**
 * The memo holds one event: the live hub dispatches an event to all its
 * subscriptions synchronously, one after the other, so the first subscriber
 * of each key executes and serializes and the others find the bytes. Keeping
 * only the event being dispatched bounds the memory (the embedded store keeps
 * the same event objects for long), and a miss only costs an execution.
 */
export function createNextFrames(): NextFrames {
  const documents = new WeakMap<DocumentNode, number>();
  let documentCount = 0;
  let current: HubEvent | null = null;
  /**
   * Per key: the serialized result (null: not shareable for this event), as
   * a buffer when large, and the frames built from a small one, by id.
   */
  let built = new Map<string, { json: string | null; large: Buffer | null; frames: Map<string, Buffer> }>();

  function execution(event: HubEvent, { key, args }: SharedOperation) {
    let entry = built.get(key);
    if (entry) return entry;
    entry = { json: null, large: null, frames: new Map() };
    try {
      const result = execute({ ...args, rootValue: event });
      if (isPromiseLike(result))
        result.then(undefined, () => {}); // not shareable; the normal path executes again
      else if (!result.errors) entry.json = JSON.stringify(result);
      if (entry.json !== null && entry.json.length >= FRAGMENT_BYTES) entry.large = Buffer.from(entry.json);
    } catch {
      // the normal path runs it and reports what is wrong
    }
    built.set(key, entry);
    return entry;
  }

  return {
    operation(args, tenantId, id) {
      const selection = sharedSelection(args.schema, args.document, args.operationName);
      if (!selection) return null;
      let documentId = documents.get(args.document);
      if (documentId === undefined) {
        documentId = ++documentCount;
        documents.set(args.document, documentId);
      }
      const variables = args.variableValues ?? {};
      const used = selection.variables.map((name) => (Object.hasOwn(variables, name) ? [variables[name]] : []));
      const key = JSON.stringify([tenantId, documentId, args.operationName, used]);
      return { key, tenantId, id, args };
    },

    frame(event, operation) {
      if (event.tenantId !== operation.tenantId) return null;
      if (event !== current) {
        current = event;
        built = new Map();
      }
      const { json, large, frames } = execution(event, operation);
      if (json === null) return null;
      // One copy of a large result per event, not one per subscription id (a socket may hold hundreds).
      if (large) return [Buffer.from(`{"id":${JSON.stringify(operation.id)},"type":"next","payload":`), large, TAIL];
      let frame = frames.get(operation.id);
      if (!frame) {
        frame = Buffer.from(`{"id":${JSON.stringify(operation.id)},"type":"next","payload":${json}}`);
        frames.set(operation.id, frame);
      }
      return frame;
    },
  };
}

const isPromiseLike = (value: unknown): value is PromiseLike<unknown> =>
  typeof (value as PromiseLike<unknown> | null)?.then === 'function';
