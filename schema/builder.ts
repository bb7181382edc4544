import SchemaBuilder from '@pothos/core';
import type { HubContext } from '../src/server/context.ts';

/** The one Pothos builder; every file in schema/ adds its types to it. */
export const builder = new SchemaBuilder<{
  Context: HubContext;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    JSON: { Input: unknown; Output: unknown };
  };
  DefaultFieldNullability: false;
  DefaultInputFieldRequiredness: false;
}>({
  defaultFieldNullability: false,
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
