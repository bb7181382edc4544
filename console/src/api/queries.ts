/** Every operation the console sends: the same public API any client has. */

export const EVENT_SUMMARY = 'id type subject position timestamp source { type id }';

export const CHECK_ACCESS = 'query CheckAccess { events(first: 1) { pageInfo { hasNextPage } } }';

export const LIVE_EVENTS = `subscription Live($filter: EventFilter, $after: String) { events(filter: $filter, after: $after) { ${EVENT_SUMMARY} } }`;

export const SEARCH = `query Search($filter: EventFilter, $first: Int, $after: String) {
  events(filter: $filter, first: $first, after: $after) { edges { node { ${EVENT_SUMMARY} } } pageInfo { hasNextPage endCursor } } }`;

export const STATS =
  'query Stats($filter: EventFilter, $groupBy: StatsGroup!) { eventStats(filter: $filter, groupBy: $groupBy) { key count } }';

export const EVENT = `query Event($id: ID!) { event(id: $id) {
  ${EVENT_SUMMARY} version receivedAt payload
  metadata { correlationId causationId idempotencyKey actor { id type } context { type id } attributes replay { jobId originalEventId } trace { traceparent } }
  causedBy { ${EVENT_SUMMARY} }
  caused(first: 50) { edges { node { ${EVENT_SUMMARY} } } pageInfo { hasNextPage } }
  processing { handler status attempts lastAttemptAt durationMs followUps error { code message } }
} }`;

export const CORRELATION = `query Correlation($id: String!) { correlation(id: $id, first: 100) { edges { node { ${EVENT_SUMMARY} metadata { causationId } } } pageInfo { hasNextPage } } }`;

export const DEAD_LETTERS = `query DeadLetters($after: String) { deadLetters(first: 50, after: $after) {
  edges { node { id handler deadAt error { code message attempts } event { ${EVENT_SUMMARY} } } } pageInfo { hasNextPage endCursor } } }`;

export const REDRIVE = 'mutation Redrive($ids: [ID!]!) { redriveDeadLetters(ids: $ids) }';

export const PREVIEW = `query Preview($filter: EventFilter!) { previewFilter(filter: $filter, samples: 10) { count capped samples { ${EVENT_SUMMARY} } } }`;

const JOB = 'id status target dryRun progress processed failed total error createdAt finishedAt cancelRequested';

export const START_REPLAY = `mutation StartReplay($input: StartReplayInput!) { startReplay(input: $input) { ${JOB} } }`;

export const CANCEL_REPLAY = `mutation CancelReplay($id: ID!) { cancelReplay(id: $id) { ${JOB} } }`;

export const WATCH_REPLAY = `subscription WatchReplay($id: ID!) { replayJob(id: $id) { ${JOB} } }`;

export const REPLAY_JOBS = `query ReplayJobs { replayJobs(first: 10) { edges { node { ${JOB} } } } }`;

export const HANDLERS = 'query Handlers { handlers { name eventTypes priority lag processed failed } }';
