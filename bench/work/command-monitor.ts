import { ServerResponse } from 'node:http';
import { MongoClient, type CommandStartedEvent } from 'mongodb';

/**
 * Counts what the hub asks of the MongoDB server, from the driver's own
 * command monitoring: every MongoClient in this process (the hub's included,
 * whichever checkout it comes from: they share this driver) reports its
 * commands here once `install()` ran and the connection string carries
 * `monitorCommands=true`. Nothing is changed in what the driver does.
 */
export interface WorkCounts {
  /** Commands by name (`insert`, `find`, `getMore`, `update`, …). */
  commands: Record<string, number>;
  /** Commands by name and collection (`find events`, `update event_watermarks`, …): which path asked. */
  byCollection: Record<string, number>;
  /** Documents the commands asked to write: inserted, updated (upserts too) or deleted, and findAndModify's one. */
  documentsWritten: number;
}

export interface CommandMonitor {
  /** Counts since the monitor was installed (take two and subtract). */
  snapshot(): WorkCounts;
  /**
   * Sequential round trips between `from` and `to` (performance.now()): among
   * the commands started in that window, how many times one started with none
   * of the others in flight. Commands started before `from` (a previous
   * request's live copy, a timer's read) do not hide one that overlaps them.
   * For one request alone on an otherwise quiet hub, the round trips it waited for.
   */
  busyPeriods(from: number, to: number): number;
  /** Documents written by commands started between `from` and `to`. */
  documentsBetween(from: number, to: number): number;
  /**
   * When this process's HTTP server last finished an answer (`res.end`) between `from` and `to`:
   * the acknowledgement as the hub gives it, before the bytes cross the socket to the client.
   * Writes the hub starts after it (the live copy) are not on the acknowledgement path, even
   * when the client, in this same process, reads the answer later still. `to` when none.
   */
  answeredBetween(from: number, to: number): number;
}

let installed: CommandMonitor | undefined;

/** Starts counting (idempotent). Call before the hub creates its MongoClient. */
export function install(): CommandMonitor {
  if (installed) return installed;
  const commands: Record<string, number> = {};
  const byCollection: Record<string, number> = {};
  let documentsWritten = 0;
  /** Every command's start and end (Infinity while in flight), in start order. */
  const spans: { start: number; end: number }[] = [];
  const spanOf = new Map<number, { start: number; end: number }>();
  const writes: { at: number; documents: number }[] = [];
  const answers: number[] = [];
  const end = ServerResponse.prototype.end;
  ServerResponse.prototype.end = function (this: ServerResponse, ...args: unknown[]) {
    answers.push(performance.now());
    return (end as (...rest: unknown[]) => ServerResponse).apply(this, args);
  } as typeof end;
  const emit = MongoClient.prototype.emit;
  MongoClient.prototype.emit = function (this: MongoClient, name: string | symbol, ...args: unknown[]) {
    if (name === 'commandStarted') {
      const event = args[0] as CommandStartedEvent;
      commands[event.commandName] = (commands[event.commandName] ?? 0) + 1;
      const target = `${event.commandName} ${collectionOf(event)}`;
      byCollection[target] = (byCollection[target] ?? 0) + 1;
      const documents = written(event);
      documentsWritten += documents;
      if (documents > 0) writes.push({ at: performance.now(), documents });
      const span = { start: performance.now(), end: Number.POSITIVE_INFINITY };
      spans.push(span);
      spanOf.set(event.requestId, span);
    } else if (name === 'commandSucceeded' || name === 'commandFailed') {
      const { requestId } = args[0] as { requestId: number };
      const span = spanOf.get(requestId);
      if (span) span.end = performance.now();
      spanOf.delete(requestId);
    }
    return (emit as (this: MongoClient, name: string | symbol, ...rest: unknown[]) => boolean).call(
      this,
      name,
      ...args,
    );
  } as typeof emit;
  installed = {
    snapshot: () => ({ commands: { ...commands }, byCollection: { ...byCollection }, documentsWritten }),
    busyPeriods(from, to) {
      let periods = 0;
      let busyUntil = Number.NEGATIVE_INFINITY;
      for (const { start, end } of spans) {
        if (start < from || start > to) continue;
        if (start > busyUntil) periods++;
        busyUntil = Math.max(busyUntil, end);
      }
      return periods;
    },
    answeredBetween: (from, to) => answers.findLast((at) => at >= from && at <= to) ?? to,
    documentsBetween: (from, to) =>
      writes.filter((w) => w.at >= from && w.at <= to).reduce((sum, w) => sum + w.documents, 0),
  };
  return installed;
}

/** The collection a command names (its first field's value), or the cursor's for `getMore`. */
function collectionOf(event: CommandStartedEvent): string {
  const command = event.command as Record<string, unknown>;
  const target = event.commandName === 'getMore' ? command.collection : command[event.commandName];
  return typeof target === 'string' ? target : '(db)';
}

function written(event: CommandStartedEvent): number {
  const command = event.command as Record<string, unknown>;
  const length = (key: string) => (Array.isArray(command[key]) ? (command[key] as unknown[]).length : 0);
  switch (event.commandName) {
    case 'insert':
      return length('documents');
    case 'update':
      return length('updates');
    case 'delete':
      return length('deletes');
    case 'findAndModify':
      return 1;
    default:
      return 0;
  }
}

/** `after` minus `before`, per 1,000 of `per`. */
export function perThousand(before: WorkCounts, after: WorkCounts, per: number): WorkCounts {
  const scale = 1000 / per;
  const scaled = (from: Record<string, number>, to: Record<string, number>) => {
    const out: Record<string, number> = {};
    for (const [name, count] of Object.entries(to)) {
      const delta = count - (from[name] ?? 0);
      if (delta > 0) out[name] = delta * scale;
    }
    return out;
  };
  return {
    commands: scaled(before.commands, after.commands),
    byCollection: scaled(before.byCollection, after.byCollection),
    documentsWritten: (after.documentsWritten - before.documentsWritten) * scale,
  };
}
