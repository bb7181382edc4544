// The catalog as integrators read it (GraphQL eventTypes, GET /catalog) and as every publish meets
// it: code types, and HUB_CATALOG_DIR files added, changed and removed while the hub runs. On both stores.
import assert from 'node:assert/strict';
import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLogger } from '../../src/logger.ts';
import { publishInput } from '../support/fixtures.ts';
import { gql, type PublishResult } from '../support/graphql-client.ts';
import { spawnHub, TEST_KEYS } from '../support/hub.ts';
import { eventually } from '../support/socket-probe.ts';
import { STORE_KINDS, startHubOn, type TestHub } from '../support/store-hubs.ts';

const PUBLISH_ONLY = 'acme-test-key-publish-only-01';
const KEYS = JSON.stringify([
  { key: TEST_KEYS.acme, tenant: 'acme', scopes: ['publish', 'query', 'replay'] },
  { key: PUBLISH_ONLY, tenant: 'acme', scopes: ['publish'] },
]);
const EVENT_TYPES = '{ eventTypes { name description versions { version schema example } } }';
const PUBLISH_MANY =
  'mutation($input: [PublishEventInput!]!) { publishEvents(input: $input) { status error { code message path } } }';

const CONTACT_FILE = 'crm.contact.created@1.0.json';
const CONTACT = {
  description: 'A contact was created in the CRM.',
  type: 'object',
  properties: {
    contactId: { type: 'string', minLength: 1 },
    emails: { type: 'array', items: { type: 'string', pattern: '^[^@]+@[^@]+$' } },
  },
  required: ['contactId'],
  examples: [{ contactId: 'c-1', emails: ['ada@example.com'] }],
};

const readCatalog = (url: string, key?: string, headers: Record<string, string> = {}) =>
  fetch(`${url}/catalog`, { headers: { ...headers, ...(key && { authorization: `Bearer ${key}` }) } });

for (const kind of STORE_KINDS) {
  describe(`the event catalog on ${kind}`, () => {
    let hub: TestHub;
    let dir: string;
    /** The hub's error log lines: a refused catalog file is one. */
    const errors: { msg: string; file?: string }[] = [];
    const put = async (name: string, content: unknown) => {
      await writeFile(join(dir, `.${name}.tmp`), typeof content === 'string' ? content : JSON.stringify(content));
      await rename(join(dir, `.${name}.tmp`), join(dir, name));
    };
    const eventTypes = async () =>
      (await gql(hub.url, EVENT_TYPES, {}, TEST_KEYS.acme)).data?.['eventTypes'] as {
        name: string;
        description: string | null;
        versions: { version: string; schema: { type: string; required?: string[] }; example: unknown }[];
      }[];
    const listed = async (name: string) => (await eventTypes()).some((type) => type.name === name);
    const publish = async (type: string, payload: Record<string, unknown>) =>
      (await gql(hub.url, PUBLISH_MANY, { input: [publishInput({ type, payload })] }, TEST_KEYS.acme)).data?.[
        'publishEvents'
      ][0] as { status: string; error: { code: string; message: string; path: string[] } | null };

    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'hub-catalog-'));
      hub = await startHubOn(
        kind,
        { HUB_API_KEYS: KEYS, HUB_CATALOG_DIR: dir },
        { log: createLogger('error', { write: (line: string) => void errors.push(JSON.parse(line)) }) },
      );
    });
    after(async () => {
      await hub?.stop();
      await rm(dir, { recursive: true, force: true });
    });

    it('lists the code types in eventTypes with their JSON Schema, description and example', async () => {
      const types = await eventTypes();
      assert.deepEqual(
        types.map((type) => type.name),
        ['fulfilment.shipment.requested', 'sales.order.cancelled', 'sales.order.placed'],
      );
      const placed = types.find((type) => type.name === 'sales.order.placed')!;
      assert.equal(placed.description, 'A customer placed an order.');
      assert.equal(placed.versions.length, 1);
      const v1 = placed.versions[0]!;
      assert.equal(v1.version, '1.0');
      assert.equal(v1.schema.type, 'object');
      assert.deepEqual(v1.schema.required, ['orderId', 'customerId', 'currency', 'lines']);
      assert.deepEqual(v1.example, {
        orderId: 'o-1001',
        customerId: 'c-42',
        currency: 'EUR',
        lines: [{ sku: 'SKU-1', quantity: 2, unitPrice: 9.5 }],
      });
      assert.equal(
        (await publish('sales.order.placed', v1.example)).status,
        'ACCEPTED',
        'the example is a payload the hub accepts',
      );
    });

    it('serves the same catalog as JSON at GET /catalog, with an ETag that answers 304 while it is unchanged', async () => {
      const response = await readCatalog(hub.url, TEST_KEYS.acme);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type')!, /^application\/json/);
      assert.deepEqual(await response.json(), { eventTypes: await eventTypes() });
      const etag = response.headers.get('etag')!;
      assert.equal((await readCatalog(hub.url, TEST_KEYS.acme, { 'if-none-match': etag })).status, 304);
    });

    it('answers GET /catalog 401 without credentials and 403 without the query scope, as problem documents', async () => {
      for (const [key, status, code] of [
        [undefined, 401, 'UNAUTHENTICATED'],
        ['not-a-key-at-all-000000', 401, 'UNAUTHENTICATED'],
        [PUBLISH_ONLY, 403, 'FORBIDDEN'],
      ] as const) {
        const response = await readCatalog(hub.url, key);
        assert.equal(response.status, status);
        assert.match(response.headers.get('content-type')!, /^application\/problem\+json/);
        assert.equal(((await response.json()) as { code: string }).code, code);
      }
      const forbidden = await gql(hub.url, EVENT_TYPES, {}, PUBLISH_ONLY);
      assert.equal(forbidden.errors?.[0]?.extensions?.['code'], 'FORBIDDEN');
      const posted = await fetch(`${hub.url}/catalog`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_KEYS.acme}` },
      });
      assert.equal(posted.status, 405);
      assert.equal(posted.headers.get('allow'), 'GET, HEAD');
    });

    it('lists and enforces a catalog file added while it runs, follows its changes, and forgets it once removed', async () => {
      assert.equal(
        (await publish('crm.contact.created', { emails: 'not a list' })).status,
        'ACCEPTED',
        'free JSON before the file',
      );
      await put(CONTACT_FILE, CONTACT);
      assert.ok(await eventually(() => listed('crm.contact.created')), 'listed within 2 s');
      const type = (await eventTypes()).find((t) => t.name === 'crm.contact.created')!;
      assert.deepEqual(type, {
        name: 'crm.contact.created',
        description: CONTACT.description,
        versions: [{ version: '1.0', schema: CONTACT, example: CONTACT.examples[0] }],
      });
      assert.ok(
        (
          (await (await readCatalog(hub.url, TEST_KEYS.acme)).json()) as { eventTypes: { name: string }[] }
        ).eventTypes.some((t) => t.name === 'crm.contact.created'),
        'and at GET /catalog',
      );

      const refused = await publish('crm.contact.created', { contactId: 'c-2', emails: ['ada@example.com', 'nope'] });
      assert.equal(refused.status, 'REJECTED');
      assert.deepEqual(refused.error, {
        code: 'BAD_USER_INPUT',
        path: ['payload', 'emails', '1'],
        message: 'payload.emails.1: must match pattern "^[^@]+@[^@]+$"',
      });
      assert.deepEqual((await publish('crm.contact.created', {})).error?.path, ['payload', 'contactId']);
      assert.equal((await publish('crm.contact.created', CONTACT.examples[0]!)).status, 'ACCEPTED');

      await put(CONTACT_FILE, {
        ...CONTACT,
        properties: { ...CONTACT.properties, name: { type: 'string' } },
        required: ['contactId', 'name'],
        examples: [],
      });
      assert.ok(
        await eventually(
          async () => (await publish('crm.contact.created', { contactId: 'c-3' })).status === 'REJECTED',
        ),
        'the changed file is enforced',
      );
      await put(CONTACT_FILE, '{ "type": "object", "required": ["contactId", ');
      assert.ok(
        await eventually(async () => errors.some((line) => line.file === CONTACT_FILE)),
        'the broken rewrite is seen and refused',
      );
      assert.deepEqual(
        (await publish('crm.contact.created', { contactId: 'c-3' })).error?.path,
        ['payload', 'name'],
        'a broken rewrite keeps the last good version',
      );

      await rm(join(dir, CONTACT_FILE));
      assert.ok(await eventually(async () => !(await listed('crm.contact.created'))), 'unlisted within 2 s');
      assert.equal(
        (await publish('crm.contact.created', { emails: 'not a list' })).status,
        'ACCEPTED',
        'free JSON again',
      );
    });

    it('refuses a file for a type defined in code, keeping the code schema', async () => {
      await put('sales.order.placed@2.0.json', { type: 'object' });
      assert.ok(
        await eventually(async () => errors.some((line) => line.file === 'sales.order.placed@2.0.json')),
        'refused, and logged',
      );
      const placed = (await eventTypes()).find((type) => type.name === 'sales.order.placed')!;
      assert.deepEqual(
        placed.versions.map((v) => v.version),
        ['1.0'],
      );
      assert.deepEqual((await publish('sales.order.placed', {})).error?.path, ['payload', 'orderId']);
      assert.equal(
        (
          await gql(
            hub.url,
            PUBLISH_MANY,
            { input: [publishInput({ type: 'sales.order.placed', version: '2.0', payload: {} })] },
            TEST_KEYS.acme,
          )
        ).data?.['publishEvents'][0].error.path[0],
        'version',
      );
      await rm(join(dir, 'sales.order.placed@2.0.json'));
    });
  });
}

describe('catalog files and the hub’s start', () => {
  it('stops an in-process start at a bad file, naming it', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-catalog-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'crm.contact.created@1.0.json'), JSON.stringify({ type: 'object', propertees: {} }));
    await assert.rejects(
      startHubOn('memory', { HUB_CATALOG_DIR: dir }),
      /HUB_CATALOG_DIR .*crm\.contact\.created@1\.0\.json: not a valid JSON Schema: strict mode: unknown keyword: "propertees"/,
    );
  });

  it('refuses at start a file for a type defined in code: code wins', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-catalog-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'sales.order.placed@1.0.json'), JSON.stringify({ type: 'object' }));
    await assert.rejects(
      startHubOn('memory', { HUB_CATALOG_DIR: dir }),
      /sales\.order\.placed@1\.0\.json: type "sales\.order\.placed" is defined in code/,
    );
  });

  it('exits a hub process with the file named when a catalog file is bad', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-catalog-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, 'crm.contact@1.0.json'), '{ not json');
    await assert.rejects(spawnHub({ HUB_CATALOG_DIR: dir }), /crm\.contact@1\.0\.json: not JSON/);
  });

  it('accepts file types on a hub that takes catalog types only', async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'hub-catalog-'));
    t.after(() => rm(dir, { recursive: true, force: true }));
    await writeFile(join(dir, CONTACT_FILE), JSON.stringify(CONTACT));
    const strict = await startHubOn('memory', { HUB_API_KEYS: KEYS, HUB_CATALOG_DIR: dir, HUB_STRICT_TYPES: 'true' });
    t.after(() => strict.stop());
    const results = (
      await gql(
        strict.url,
        PUBLISH_MANY,
        {
          input: [
            publishInput({ type: 'crm.contact.created', payload: { contactId: 'c' } }),
            publishInput({ type: 'crm.other.thing' }),
          ],
        },
        TEST_KEYS.acme,
      )
    ).data?.['publishEvents'];
    assert.deepEqual(
      results.map((r: PublishResult) => r.status),
      ['ACCEPTED', 'REJECTED'],
    );
    assert.deepEqual(results[1].error.path, ['type']);
  });
});
