/**
 * JSON from the hub that a test reads without declaring its shape: a GraphQL response's data,
 * a socket message, a CLI or export line, a door's body. Most tests check two or three fields
 * of an answer whose shape schema.graphql pins (test/unit/schema-snapshot.test.ts); writing each
 * selection set again as a TypeScript type would double every query and drift from it. This is
 * the one place such JSON is `any`; a test that wants types passes its own (see the shapes in
 * graphql-client.ts).
 */
// biome-ignore lint/suspicious/noExplicitAny: untyped JSON read by assertions, on purpose and only here (see above)
export type Untyped = Record<string, any>;
