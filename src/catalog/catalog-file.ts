import { Ajv, type ErrorObject, type Options, type ValidateFunction } from 'ajv';
import type { RegExpEngine } from 'ajv/dist/types/index.js';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { RE2JS } from 're2js';
import { TYPE_NAME } from '../ingest/event-input.ts';
import { annotationsOf } from './code-versions.ts';
import type { CatalogVersion, PayloadIssue } from './event-catalog.ts';

/** `crm.contact.created@1.0.json`: a type as the hub names them, `@`, a version of 1-32 letters, digits, `.`, `_` or `-`. */
const FILE_NAME = /^(?<type>[^@]+)@(?<version>[A-Za-z0-9][A-Za-z0-9._-]{0,31})\.json$/;

/** A schema file larger than this is a mistake, not a schema. */
export const MAX_SCHEMA_FILE_BYTES = 1_048_576;

const DRAFT_07 = /^https?:\/\/json-schema\.org\/draft-07\/schema#?$/;
const DRAFT_2020_12 = /^https:\/\/json-schema\.org\/draft\/2020-12\/schema#?$/;

/**
 * `pattern` and `patternProperties` run in RE2 (linear time), not in the JS
 * engine, which backtracks: an operator's careless pattern cannot let a
 * publisher's payload stall the hub. RE2 refuses lookarounds and
 * backreferences, so a file that uses them is refused when it loads.
 */
const re2: RegExpEngine = Object.assign(
  (pattern: string) => {
    const regex = RE2JS.compile(pattern);
    // Ajv keys its compiled patterns by toString(): each must be its own
    return { test: (text: string) => regex.test(text), toString: () => `re2:${pattern}` };
  },
  { code: 're2' },
);

/**
 * Strict mode: unknown keywords, formats the hub does not know and
 * contradictory schemas are errors when the file loads, not silently
 * ignored. No `loadSchema`: a `$ref` must resolve inside the file.
 */
const AJV_OPTIONS: Options = { strict: true, allErrors: false, code: { regExp: re2 } };

/** The type and version a catalog file's name gives, or null when it is not `<type>@<version>.json`. */
export function parseCatalogFileName(name: string): { type: string; version: string } | null {
  const match = FILE_NAME.exec(name);
  const { type, version } = match?.groups ?? {};
  return type !== undefined && version !== undefined && type.length <= 255 && TYPE_NAME.test(type)
    ? { type, version }
    : null;
}

/**
 * A catalog file as a catalog version, or an Error saying what is wrong with
 * it. `refusal` says why a type may not come from a file at all (one that code
 * defines), or null.
 */
export function compileCatalogFile(
  name: string,
  text: string,
  refusal: (type: string) => string | null,
): CatalogVersion {
  const named = parseCatalogFileName(name);
  if (!named)
    throw new Error(
      'not named <type>@<version>.json, e.g. crm.contact.created@1.0.json (type: 2-6 lowercase dot-separated segments)',
    );
  const refused = refusal(named.type);
  if (refused) throw new Error(refused);
  const schema = parseSchema(text);
  const validate = compile(schema);
  const check = (payload: unknown): PayloadIssue | null => (validate(payload) ? null : issueOf(validate.errors![0]!));
  const annotations = annotationsOf(schema);
  if ('example' in annotations) {
    const issue = check(annotations.example);
    if (issue)
      throw new Error(`examples[0] does not fit the schema: ${['payload', ...issue.path].join('.')}: ${issue.message}`);
  }
  return { ...named, schema, ...annotations, origin: name, check };
}

function parseSchema(text: string): Record<string, unknown> {
  let schema: unknown;
  try {
    schema = JSON.parse(text);
  } catch (error) {
    throw new Error(`not JSON: ${(error as Error).message}`);
  }
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema))
    throw new Error('must hold a JSON Schema object');
  return schema as Record<string, unknown>;
}

type AjvClass = typeof Ajv | typeof Ajv2020;

/**
 * Checks schemas against their dialect's meta-schema, one per dialect for the whole process: the
 * meta-schema is compiled once (about 50 ms), not for every file. Nothing is added to it.
 */
const metaCheckers = new Map<AjvClass, Ajv | Ajv2020>();
const metaChecker = (dialect: AjvClass) => {
  let checker = metaCheckers.get(dialect);
  if (!checker) {
    checker = new dialect(AJV_OPTIONS);
    metaCheckers.set(dialect, checker);
  }
  return checker;
};

/**
 * Draft 2020-12 unless `$schema` names draft-07. Checked against the meta-schema, then compiled by
 * an Ajv of its own (about 2 ms), so `$id`s of different files, or of a file and its next version,
 * never clash, and a replaced file leaves nothing behind.
 */
function compile(schema: Record<string, unknown>): ValidateFunction {
  const declared = schema['$schema'];
  if (
    declared !== undefined &&
    (typeof declared !== 'string' || !(DRAFT_07.test(declared) || DRAFT_2020_12.test(declared)))
  ) {
    throw new Error('$schema must name JSON Schema draft 2020-12 or draft-07 (or be left out, for 2020-12)');
  }
  const dialect: AjvClass = typeof declared === 'string' && DRAFT_07.test(declared) ? Ajv : Ajv2020;
  try {
    const checker = metaChecker(dialect);
    if (!checker.validateSchema(schema)) throw new Error(checker.errorsText(checker.errors, { dataVar: 'schema' }));
    return new dialect({ ...AJV_OPTIONS, validateSchema: false }).compile(schema);
  } catch (error) {
    throw new Error(`not a valid JSON Schema: ${(error as Error).message}`);
  }
}

/**
 * Ajv's error in the hub's path shape: `instancePath` `/lines/0/sku` is
 * `lines.0.sku`, and a missing or extra property is named at the end, as zod
 * does, so both kinds of catalog type answer alike.
 */
function issueOf(error: ErrorObject): PayloadIssue {
  const path = error.instancePath === '' ? [] : error.instancePath.slice(1).split('/').map(unescapePointer);
  const params = error.params as Record<string, unknown>;
  const property = params['missingProperty'] ?? params['additionalProperty'] ?? params['unevaluatedProperty'];
  if (typeof property === 'string') path.push(property);
  return { path, message: error.message ?? `fails "${error.keyword}"` };
}

/** JSON Pointer (RFC 6901) escapes. */
const unescapePointer = (segment: string) => segment.replace(/~1/g, '/').replace(/~0/g, '~');
