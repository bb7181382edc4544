/**
 * Writes schema.graphql from the Pothos schema. The file is committed and a
 * test fails when it is stale, so every contract change shows up in review.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { printSchema } from 'graphql';
import { printableSchema } from '../schema/index.ts';

const target = fileURLToPath(new URL('../schema.graphql', import.meta.url));
writeFileSync(target, `${printSchema(printableSchema())}\n`);
process.stdout.write(`wrote ${target}\n`);
