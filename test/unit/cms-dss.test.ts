// The DSS /VRI key (main/cms/dss.ts): SHA-1 of the whole /Contents string, zero padding included
// (ISO 32000-2:2020 Table 261, note a).
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { vriKey } from '../../main/cms';

describe('vriKey', () => {
  const cms = new Uint8Array([0x30, 0x82, 0x01, 0x00, 1, 2, 3, 4]);

  it('is the upper-case hex SHA-1 of the bytes given', () => {
    assert.equal(vriKey(cms), createHash('sha1').update(cms).digest('hex').toUpperCase());
    assert.match(vriKey(cms), /^[0-9A-F]{40}$/);
  });

  it('hashes the zero padding up to the placeholder size when given the bare DER and the /Contents length', () => {
    const padded = new Uint8Array(64);
    padded.set(cms);
    assert.equal(vriKey(cms, 64), vriKey(padded));
    assert.notEqual(vriKey(cms, 64), vriKey(cms), 'the padding changes the key');
    assert.equal(vriKey(cms, cms.length), vriKey(cms));
  });

  it('refuses a /Contents length shorter than the signature', () => {
    assert.throws(() => vriKey(cms, 4), RangeError);
  });
});
