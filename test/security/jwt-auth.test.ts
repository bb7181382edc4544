// JWT bearer tokens beside API keys (HS256 with HUB_JWT_SECRET): tenant and scopes from claims,
// every failed check refused with UNAUTHENTICATED and a short reason, sockets closed when tokens expire.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createJwtVerifier } from '../../src/auth/jwt-verifier.ts';
import { createAuthenticator } from '../../src/server/auth.ts';
import { publishInput } from '../support/fixtures.ts';
import { type Edge, errorCodes, gql, PUBLISH, type GraphQLResponse } from '../support/graphql-client.ts';
import { startTestHub, TEST_KEYS } from '../support/hub.ts';
import { allEvents } from '../support/mongo-hubs.ts';
import { eventually, liveSubscriptions, openSocket } from '../support/socket-probe.ts';
import { STORE_KINDS, startHubOn, type TestHub } from '../support/store-hubs.ts';
import { hs256, TEST_AUDIENCE, TEST_ISSUER, TEST_JWT_SECRET, unsecured } from '../support/tokens.ts';
import { subscribe, wsClient } from '../support/ws-client.ts';

const JWT_ENV = {
  HUB_JWT_SECRET: TEST_JWT_SECRET,
  HUB_JWT_ISSUER: TEST_ISSUER,
  HUB_JWT_AUDIENCE: TEST_AUDIENCE,
  HUB_JWT_CLOCK_TOLERANCE_S: '0',
};
const EVERY_SCOPE = 'publish subscribe query';
const EVENTS = 'query($filter: EventFilter) { events(filter: $filter) { edges { node { type tenantId } } } }';

const typesSeen = (response: GraphQLResponse) =>
  response.data?.['events'].edges.map(
    (edge: Edge<{ tenantId: string; type: string }>) => `${edge.node.tenantId}:${edge.node.type}`,
  );
/** The one error of a refused operation: its code and message. */
const refusal = (response: GraphQLResponse) => ({
  codes: errorCodes(response),
  message: response.errors?.[0]?.message,
});

for (const kind of STORE_KINDS) {
  describe(`JWT tenants on ${kind}`, () => {
    let hub: TestHub;
    before(async () => (hub = await startHubOn(kind, JWT_ENV)));
    after(() => hub.stop());

    it("a token publishes and queries in the tenant of its claim and never sees another tenant's events", async () => {
      const acme = await hs256({ tenant: 'acme', scope: EVERY_SCOPE });
      const globex = await hs256({ tenant: 'globex', scope: EVERY_SCOPE }, { subject: 'user-2' });
      const published = await gql(hub.url, PUBLISH, { input: publishInput({ type: 'jwt.acme.made' }) }, acme);
      assert.equal(published.data?.['publishEvent'].status, 'ACCEPTED');
      assert.equal(published.data?.['publishEvent'].event.tenantId, 'acme');
      await gql(hub.url, PUBLISH, { input: publishInput({ type: 'jwt.globex.made' }) }, globex);
      assert.deepEqual(typesSeen(await gql(hub.url, EVENTS, { filter: { types: ['jwt.>'] } }, acme)), [
        'acme:jwt.acme.made',
      ]);
      assert.deepEqual(typesSeen(await gql(hub.url, EVENTS, { filter: { types: ['jwt.>'] } }, globex)), [
        'globex:jwt.globex.made',
      ]);
      assert.deepEqual(
        typesSeen(await gql(hub.url, EVENTS, { filter: { types: ['jwt.>'] } }, TEST_KEYS.acme)),
        ['acme:jwt.acme.made'],
        'API keys still work beside tokens',
      );
    });
  });
}

describe('JWT bearer tokens (HS256)', () => {
  let hub: TestHub;
  before(async () => (hub = await startTestHub(JWT_ENV)));
  after(() => hub.stop());

  it('honours the scope claim: a query-only token queries, and its publish is FORBIDDEN', async () => {
    const reader = await hs256({ tenant: 'acme', scope: 'query openid profile' });
    assert.deepEqual(errorCodes(await gql(hub.url, EVENTS, {}, reader)), []);
    assert.deepEqual(errorCodes(await gql(hub.url, PUBLISH, { input: publishInput() }, reader)), ['FORBIDDEN']);
  });

  it('takes scopes from a "scopes" array as well as from the OAuth "scope" string', async () => {
    const publisher = await hs256({ tenant: 'acme', scopes: ['publish'] });
    assert.equal(
      (await gql(hub.url, PUBLISH, { input: publishInput() }, publisher)).data?.['publishEvent'].status,
      'ACCEPTED',
    );
    assert.deepEqual(errorCodes(await gql(hub.url, EVENTS, {}, publisher)), ['FORBIDDEN']);
  });

  it('refuses expired, not yet valid, wrongly issued, wrongly addressed, badly signed and unsigned tokens with UNAUTHENTICATED saying why', async () => {
    const claims = { tenant: 'acme', scope: EVERY_SCOPE };
    const cases = [
      ['expired', await hs256(claims, { expiresIn: -60 }), 'token expired'],
      ['not yet valid', await hs256(claims, { notBefore: 60 }), 'token not yet valid'],
      ['another issuer', await hs256(claims, { issuer: 'https://other.test' }), 'token issuer not accepted'],
      ['another audience', await hs256(claims, { audience: 'other-service' }), 'token audience not accepted'],
      [
        'another secret',
        await hs256(claims, { secret: 'an-entirely-different-secret-of-32-chars' }),
        'token signature invalid',
      ],
      ['alg none', unsecured(claims), 'token algorithm not allowed'],
    ] as const;
    for (const [what, token, reason] of cases) {
      const response = await gql(hub.url, EVENTS, {}, token);
      assert.deepEqual(refusal(response), { codes: ['UNAUTHENTICATED'], message: reason }, what);
      assert.ok(!JSON.stringify(response).includes(token), `${what}: the token is echoed`);
    }
  });

  it('refuses a token without a valid tenant claim, without a scope of this hub or without exp', async () => {
    const cases = [
      [await hs256({ scope: EVERY_SCOPE }), 'token has no valid "tenant" claim'],
      [await hs256({ tenant: '../acme', scope: EVERY_SCOPE }), 'token has no valid "tenant" claim'],
      [await hs256({ tenant: 'acme', scope: 'openid profile' }), 'token grants no scope of this hub'],
      [await hs256({ tenant: 'acme', scope: EVERY_SCOPE }, { expiresIn: null }), 'token has no valid exp claim'],
    ] as const;
    for (const [token, reason] of cases)
      assert.deepEqual(refusal(await gql(hub.url, PUBLISH, { input: publishInput() }, token)), {
        codes: ['UNAUTHENTICATED'],
        message: reason,
      });
  });

  it('records a refused token in the audit trail like a missing key, without the token', async (t) => {
    const audited = await startTestHub({ ...JWT_ENV, HUB_AUDIT_TENANT: 'globex' });
    t.after(() => audited.stop());
    const expired = await hs256({ tenant: 'acme', scope: EVERY_SCOPE }, { expiresIn: -60 });
    assert.deepEqual(errorCodes(await gql(audited.url, EVENTS, {}, expired)), ['UNAUTHENTICATED']);
    const denials = async () =>
      allEvents<{ payload: Record<string, unknown> }>(audited.url, TEST_KEYS.globex, 'payload', {
        types: ['system.access.denied'],
      });
    assert.equal(await eventually(async () => (await denials()).length === 1), true);
    const [denial] = await denials();
    assert.deepEqual(
      [denial?.payload['code'], denial?.payload['operation'], denial?.payload['keyName']],
      ['UNAUTHENTICATED', 'query', null],
    );
    assert.ok(!JSON.stringify(denial).includes(expired.split('.')[2]!), 'the token in an audit event');
  });

  it("subscribes over graphql-ws with the token in connectionParams.authorization and receives its tenant's events", async () => {
    const token = await hs256({ tenant: 'acme', scope: EVERY_SCOPE });
    const client = wsClient(hub.url, token);
    const sub = subscribe(client, 'subscription { events(filter: { types: ["jwt.live.>"] }) { type tenantId } }');
    await liveSubscriptions(hub, 1);
    await gql(hub.url, PUBLISH, { input: publishInput({ type: 'jwt.live.other' }) }, TEST_KEYS.globex);
    await gql(hub.url, PUBLISH, { input: publishInput({ type: 'jwt.live.made' }) }, token);
    const [first] = await sub.waitFor(1);
    assert.deepEqual(first?.data?.['events'], { type: 'jwt.live.made', tenantId: 'acme' });
    await sub.close();
    await client.dispose();
    await liveSubscriptions(hub, 0);
  });

  it('closes a socket with 4403 "token expired" when its token expires', async () => {
    const socket = openSocket(
      hub.url,
      `Bearer ${await hs256({ tenant: 'acme', scope: EVERY_SCOPE }, { expiresIn: 2 })}`,
    );
    assert.equal(await socket.acked, true);
    socket.subscribe('live', 'subscription { events { id } }');
    assert.deepEqual(await socket.closed, { code: 4403, reason: 'token expired' });
  });

  it('refuses a socket at connection_init with 4403 and the reason when its token is no good', async () => {
    const socket = openSocket(
      hub.url,
      `Bearer ${await hs256({ tenant: 'acme', scope: EVERY_SCOPE }, { expiresIn: -5 })}`,
    );
    assert.equal(await socket.acked, false);
    assert.deepEqual(await socket.closed, { code: 4403, reason: 'token expired' });
  });
});

describe('JWT principals', () => {
  const verifier = createJwtVerifier({ secret: TEST_JWT_SECRET, tenantClaim: 'org', clockToleranceS: 5 });

  it('reads the tenant from the configured claim and names the principal by a bounded, printable subject', async () => {
    const token = await hs256({ org: 'acme', scope: 'query' }, { subject: `user\n${'x'.repeat(200)}`, expiresIn: 60 });
    const principal = await verifier.verify(token);
    assert.equal(principal.tenantId, 'acme');
    assert.deepEqual([...principal.scopes], ['query']);
    assert.equal(principal.keyName, `jwt:user?${'x'.repeat(59)}`);
    const exp = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp as number;
    assert.equal(
      principal.expiresAt,
      (exp + 5) * 1000,
      'expiresAt is when the hub stops taking it: exp plus the clock tolerance',
    );
  });

  it('gives the same keyId to every token of one issuer and subject, and another to another subject', async () => {
    const a1 = await verifier.verify(await hs256({ org: 'acme', scope: 'query' }, { subject: 'alice', expiresIn: 60 }));
    const a2 = await verifier.verify(
      await hs256({ org: 'acme', scope: 'publish' }, { subject: 'alice', expiresIn: 120 }),
    );
    const b = await verifier.verify(await hs256({ org: 'acme', scope: 'query' }, { subject: 'bob', expiresIn: 60 }));
    assert.match(a1.keyId, /^[0-9a-f]{16}$/);
    assert.equal(a1.keyId, a2.keyId);
    assert.notEqual(a1.keyId, b.keyId);
  });

  it('tells a token from an API key by its shape: without JWT configured a token is just an unknown key', async () => {
    const token = await hs256({ org: 'acme', scope: 'query' });
    const keysOnly = createAuthenticator([{ key: TEST_KEYS.acme, tenant: 'acme', scopes: ['query'] }]);
    assert.equal(await keysOnly.authenticate(`Bearer ${token}`), null);
    const both = createAuthenticator([{ key: TEST_KEYS.acme, tenant: 'acme', scopes: ['query'] }], { jwt: verifier });
    assert.equal((await both.authenticate(`Bearer ${token}`))?.keyName, 'jwt:user-1');
    assert.equal((await both.authenticate(`Bearer ${TEST_KEYS.acme}`))?.keyName, 'key#1');
    assert.equal(
      await both.authenticate('Bearer not.a-known.key-of-this-hub!'),
      null,
      'not a JWT shape: an unknown key, not a refused token',
    );
  });

  it('resolves a refused token to no principal, and only identify says why', async () => {
    const auth = createAuthenticator([], { jwt: verifier });
    const expired = `Bearer ${await hs256({ org: 'acme', scope: 'query' }, { expiresIn: -60 })}`;
    assert.equal(await auth.authenticate(expired), null);
    assert.deepEqual(await auth.identify(expired), { principal: null, refusal: 'token expired' });
    assert.deepEqual(await auth.identify('Bearer some-unknown-api-key-0001'), { principal: null });
  });
});
