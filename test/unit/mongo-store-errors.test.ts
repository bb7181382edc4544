// Which driver failures the MongoDB store answers as UNAVAILABLE (the caller may retry) and which it leaves alone.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MongoNetworkError, MongoServerError } from 'mongodb';
import { cursorExpired, isHubError } from '../../src/errors.ts';
import { toStoreError } from '../../src/store/mongodb/errors.ts';

const code = (error: unknown) => (isHubError(error) ? error.code : null);

describe('MongoDB store errors', () => {
  it('answers UNAVAILABLE for a lost connection, wrapped by the driver or not', () => {
    assert.equal(code(toStoreError(new MongoNetworkError('connection reset'))), 'UNAVAILABLE');
    // What the driver rethrows when the socket fails while a command waits to be written.
    const raw = Object.assign(new Error('write ECONNRESET'), { code: 'ECONNRESET', syscall: 'write' });
    assert.equal(code(toStoreError(raw)), 'UNAVAILABLE');
    assert.equal(
      code(toStoreError(new MongoServerError({ code: 50, errmsg: 'operation exceeded time limit' }))),
      'UNAVAILABLE',
    );
  });

  it('passes hub errors through and leaves anything else as it is, for the server to mask and log', () => {
    const expired = cursorExpired('5', 'evicted');
    assert.equal(toStoreError(expired), expired);
    const bug = new TypeError('cannot read properties of undefined');
    assert.equal(toStoreError(bug), bug);
    const refused = new MongoServerError({ code: 2, errmsg: 'bad query' });
    assert.equal(toStoreError(refused), refused);
    const other = Object.assign(new Error('no such file'), { code: 'ENOENT' });
    assert.equal(toStoreError(other), other);
  });
});
