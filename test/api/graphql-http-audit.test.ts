import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { serverAudits } from 'graphql-http';
import { startTestHub } from '../support/hub.ts';

/** The GraphQL-over-HTTP spec's MUST audits, from the graphql-http package, against /graphql. */
describe('GraphQL over HTTP compliance', async () => {
  let hub: Awaited<ReturnType<typeof startTestHub>>;
  before(async () => {
    hub = await startTestHub({ HUB_API_KEYS: '' });
  });
  after(async () => {
    await hub.stop();
  });

  const audits = serverAudits({ url: () => `${hub.url}/graphql`, fetchFn: fetch }).filter((a) =>
    a.name.startsWith('MUST'),
  );

  it('runs the MUST audits', () => assert.ok(audits.length >= 10, `only ${audits.length} MUST audits found`));
  for (const audit of audits) {
    it(audit.name, async () => {
      const result = await audit.fn();
      assert.equal(result.status, 'ok', 'reason' in result ? String(result.reason) : undefined);
    });
  }
});
