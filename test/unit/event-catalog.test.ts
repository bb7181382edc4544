import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from 'zod';
import { catalog as codeCatalog } from '../../handlers/catalog.ts';
import { compileCatalogFile, parseCatalogFileName } from '../../src/catalog/catalog-file.ts';
import { createEventCatalog, type CatalogVersion } from '../../src/catalog/event-catalog.ts';
import { isHubError } from '../../src/errors.ts';

const CONTACT = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  description: 'A contact was created in the CRM.',
  type: 'object',
  properties: {
    contactId: { type: 'string', minLength: 1 },
    emails: {
      type: 'array',
      items: {
        type: 'object',
        properties: { address: { type: 'string', pattern: '^[^@]+@[^@]+$' } },
        required: ['address'],
      },
    },
    'a/b~c': { type: 'integer' },
    country: { type: 'string', pattern: '^[A-Z]{2}$' },
  },
  required: ['contactId'],
  examples: [{ contactId: 'c-1', emails: [{ address: 'ada@example.com' }] }],
};
const noRefusal = () => null;
const file = (name: string, schema: unknown) => compileCatalogFile(name, JSON.stringify(schema), noRefusal);
const refusedWith = (pattern: RegExp) => (error: unknown) => error instanceof Error && pattern.test(error.message);

/** The BAD_USER_INPUT path and message `checkPayload` throws, or null when the payload passes. */
function rejection(check: () => void): { path: readonly string[] | undefined; message: string } | null {
  try {
    check();
    return null;
  } catch (error) {
    assert.ok(isHubError(error), String(error));
    assert.equal(error.code, 'BAD_USER_INPUT');
    return { path: error.inputPath, message: error.message };
  }
}

describe('catalog file names', () => {
  it('reads <type>@<version>.json, with the hub’s type naming rules', () => {
    assert.deepEqual(parseCatalogFileName('crm.contact.created@1.0.json'), {
      type: 'crm.contact.created',
      version: '1.0',
    });
    assert.deepEqual(parseCatalogFileName('crm.contact_v2.created@2024-01.beta.json'), {
      type: 'crm.contact_v2.created',
      version: '2024-01.beta',
    });
    for (const name of [
      'crm.contact.created.json',
      'Crm.Contact@1.0.json',
      'crm@1.0.json',
      'crm.contact@.json',
      'crm.contact@1.0.yaml',
      'crm.contact@1@2.json',
      `crm.contact@${'1'.repeat(33)}.json`,
    ]) {
      assert.equal(parseCatalogFileName(name), null, name);
    }
  });
});

describe('a catalog file compiled with ajv', () => {
  it('takes the type and version from its name, its description and first example from the schema', () => {
    const version = file('crm.contact.created@1.0.json', CONTACT);
    assert.deepEqual(
      {
        type: version.type,
        version: version.version,
        description: version.description,
        example: version.example,
        origin: version.origin,
      },
      {
        type: 'crm.contact.created',
        version: '1.0',
        description: CONTACT.description,
        example: CONTACT.examples[0],
        origin: 'crm.contact.created@1.0.json',
      },
    );
    assert.deepEqual(version.schema, CONTACT);
  });

  it('answers the first violation in the hub’s path shape: array indexes, a missing property named at the end, JSON Pointer escapes undone', () => {
    const { check } = file('crm.contact.created@1.0.json', CONTACT);
    assert.equal(check({ contactId: 'c-1' }), null);
    assert.deepEqual(check({ contactId: 'c-1', emails: [{ address: 'a@b' }, { address: 'nope' }] })?.path, [
      'emails',
      '1',
      'address',
    ]);
    assert.deepEqual(check({ contactId: 'c-1', emails: [{}] })?.path, ['emails', '0', 'address']);
    assert.deepEqual(check({})?.path, ['contactId']);
    assert.deepEqual(check({ contactId: 'c', 'a/b~c': 1.5 })?.path, ['a/b~c']);
    assert.match(check({ contactId: '' })!.message, /fewer than 1 characters/);
    // each pattern is its own, not the first one Ajv compiled (it keys them by their text)
    assert.equal(check({ contactId: 'c', country: 'DE', emails: [{ address: 'a@b' }] }), null);
    assert.deepEqual(check({ contactId: 'c', country: 'a@b' })?.path, ['country']);
  });

  it('names an extra property refused by additionalProperties, and reads draft-07 files too', () => {
    const strictShape = {
      $schema: 'http://json-schema.org/draft-07/schema#',
      type: 'object',
      properties: { id: { type: 'string' } },
      additionalProperties: false,
    };
    const { check } = file('crm.thing.made@1.json', strictShape);
    assert.deepEqual(check({ id: 'x', extra: 1 })?.path, ['extra']);
    assert.equal(check({ id: 'x' }), null);
  });

  it('compiles each file on its own: two files, or two versions of one, may carry the same $id', () => {
    const withId = (required: string[]) => ({
      $id: 'https://schemas.example.com/contact.json',
      type: 'object',
      required,
      properties: { a: { type: 'string' }, b: { type: 'string' } },
    });
    const v1 = file('crm.contact.created@1.0.json', withId(['a']));
    const v2 = file('crm.contact.created@2.0.json', withId(['b']));
    assert.deepEqual([v1.check({ b: 'x' })?.path, v2.check({ a: 'x' })?.path], [['a'], ['b']]);
    assert.equal(
      file('crm.contact.created@1.0.json', withId(['a'])).check({ a: 'x' }),
      null,
      'and the same file again, as after a rewrite',
    );
  });

  it('refuses what is not a JSON Schema the hub can enforce, saying why', () => {
    const cases: [string, unknown, RegExp][] = [
      ['not JSON', '{', /not JSON/],
      ['an array', [], /JSON Schema object/],
      ['a bad type', { type: 'objekt' }, /not a valid JSON Schema/],
      ['an unknown keyword (strict mode)', { type: 'object', propertees: {} }, /unknown keyword/],
      [
        'an unknown format (strict mode)',
        { type: 'object', properties: { at: { type: 'string', format: 'date-time' } } },
        /unknown format/,
      ],
      [
        'a remote $ref',
        { type: 'object', properties: { a: { $ref: 'https://example.com/a.json' } } },
        /can't resolve reference/,
      ],
      [
        'a lookahead (patterns run in RE2, linear time)',
        { type: 'object', properties: { a: { type: 'string', pattern: '^(?=a)a$' } } },
        /not a valid JSON Schema/,
      ],
      [
        'another dialect',
        { $schema: 'http://json-schema.org/draft-04/schema#', type: 'object' },
        /draft 2020-12 or draft-07/,
      ],
      [
        'an example that does not fit',
        { type: 'object', required: ['a'], properties: { a: { type: 'string' } }, examples: [{}] },
        /examples\[0\] does not fit the schema: payload\.a/,
      ],
    ];
    for (const [what, schema, reason] of cases) {
      const text = typeof schema === 'string' ? schema : JSON.stringify(schema);
      assert.throws(
        () => compileCatalogFile('crm.contact.created@1.0.json', text, noRefusal),
        refusedWith(reason),
        what,
      );
    }
    assert.throws(() => file('README.md', CONTACT), refusedWith(/<type>@<version>\.json/));
    assert.throws(
      () => compileCatalogFile('sales.order.placed@2.0.json', '{}', (type) => `${type} is code's`),
      refusedWith(/sales\.order\.placed is code's/),
    );
  });
});

describe('the event catalog', () => {
  it('lists the code types with the JSON Schema zod derives and the example of their meta', () => {
    const listing = createEventCatalog(codeCatalog, { strict: false }).list();
    assert.deepEqual(
      listing.map((type) => type.name),
      ['fulfilment.shipment.requested', 'sales.order.cancelled', 'sales.order.placed'],
    );
    const placed = listing.find((type) => type.name === 'sales.order.placed')!;
    assert.equal(placed.description, 'A customer placed an order.');
    const [v1] = placed.versions;
    assert.equal(v1!.version, '1.0');
    assert.deepEqual(v1!.schema['required'], ['orderId', 'customerId', 'currency', 'lines']);
    assert.deepEqual((v1!.schema['properties'] as { currency: unknown }).currency, {
      type: 'string',
      pattern: '^[A-Z]{3}$',
    });
    assert.ok(v1!.example);
  });

  it('has an example for every code version, and each one passes its own check', () => {
    const catalog = createEventCatalog(codeCatalog, { strict: true });
    for (const type of catalog.list()) {
      for (const { version, example } of type.versions) {
        assert.ok(example, `${type.name}@${version} has an example`);
        catalog.checkPayload(type.name, version, example as Record<string, unknown>);
      }
    }
  });

  it('checks file versions beside code versions through the same checkPayload, and lists versions in natural order', () => {
    const catalog = createEventCatalog(
      { 'a.code.type': { '1.0': z.looseObject({ n: z.number() }) } },
      { strict: true },
    );
    const v = (version: string, schema: object): CatalogVersion => file(`crm.contact.created@${version}.json`, schema);
    catalog.useFileVersions([v('1.10', { type: 'object' }), v('1.2', CONTACT)]);
    assert.deepEqual(
      catalog.list().map((t) => [t.name, t.versions.map((x) => x.version)]),
      [
        ['a.code.type', ['1.0']],
        ['crm.contact.created', ['1.2', '1.10']],
      ],
    );
    assert.equal(
      catalog.list()[1]!.description,
      CONTACT.description,
      'the newest version with a description describes the type',
    );
    assert.deepEqual(
      rejection(() => catalog.checkPayload('crm.contact.created', '1.2', { emails: [] })),
      { path: ['payload', 'contactId'], message: "payload.contactId: must have required property 'contactId'" },
    );
    assert.deepEqual(rejection(() => catalog.checkPayload('a.code.type', '1.0', { n: 'x' }))?.path, ['payload', 'n']);
    assert.deepEqual(rejection(() => catalog.checkPayload('crm.contact.created', '3.0', {}))?.path, ['version']);
    catalog.useFileVersions([]);
    assert.deepEqual(
      rejection(() => catalog.checkPayload('crm.contact.created', '1.2', {}))?.path,
      ['type'],
      'gone, so unknown to a strict hub',
    );
    assert.equal(catalog.has('crm.contact.created'), false);
  });

  it('keeps the listing the same array until the catalog changes', () => {
    const catalog = createEventCatalog(codeCatalog, { strict: false });
    assert.equal(catalog.list(), catalog.list());
    const before = catalog.list();
    catalog.useFileVersions([file('crm.contact.created@1.0.json', CONTACT)]);
    assert.notEqual(catalog.list(), before);
  });
});
