import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { roundRobin } from '../../src/replay/replay-runner.ts';

describe('the order runners take jobs in', () => {
  it('takes turns across tenants, each tenant’s oldest first', () => {
    const jobs = [
      { tenantId: 'acme', id: '01' },
      { tenantId: 'acme', id: '02' },
      { tenantId: 'acme', id: '03' },
      { tenantId: 'globex', id: '04' },
      { tenantId: 'initech', id: '05' },
      { tenantId: 'globex', id: '06' },
    ];
    assert.deepEqual(
      roundRobin([...jobs].reverse()).map((job) => job.id),
      ['01', '04', '05', '02', '06', '03'],
    );
  });
});
