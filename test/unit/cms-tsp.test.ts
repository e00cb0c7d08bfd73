// RFC 3161 requests and the status checks of replies (main/cms/tsp.ts), without a server.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { buildTimeStampRequest, isCmsError, parseTimeStampResponse } from '../../main/cms';

const imprint = new Uint8Array(createHash('sha256').update('data').digest());

/** A TimeStampResp without a token, with `status` and failInfo bits set. */
function statusOnly(status: number, failBits: number[] = [], text?: string): Uint8Array {
  let failInfo: asn1js.BitString | undefined;
  if (failBits.length > 0) {
    const bytes = new Uint8Array(4);
    for (const bit of failBits) bytes[bit >> 3] = (bytes[bit >> 3] ?? 0) | (0x80 >> (bit & 7));
    failInfo = new asn1js.BitString({ valueHex: bytes, unusedBits: 0 });
  }
  const info = new pkijs.PKIStatusInfo({
    status,
    ...(failInfo ? { failInfo } : {}),
    ...(text ? { statusStrings: [new asn1js.Utf8String({ value: text })] } : {}),
  });
  return new Uint8Array(new pkijs.TimeStampResp({ status: info }).toSchema().toBER());
}

describe('buildTimeStampRequest', () => {
  it('asks for the imprint with version 1, certReq and a fresh positive 64-bit nonce', () => {
    const a = buildTimeStampRequest({ imprint, hash: 'sha256' });
    const b = buildTimeStampRequest({ imprint, hash: 'sha256' });
    const req = pkijs.TimeStampReq.fromBER(new Uint8Array(a.der));
    assert.equal(req.version, 1);
    assert.equal(req.certReq, true);
    assert.equal(req.messageImprint.hashAlgorithm.algorithmId, '2.16.840.1.101.3.4.2.1');
    assert.deepEqual(new Uint8Array(req.messageImprint.hashedMessage.valueBlock.valueHexView), imprint);
    assert.equal(req.nonce?.toBigInt(), a.nonce);
    assert.ok(a.nonce !== null && a.nonce > 0n && a.nonce < 2n ** 64n);
    assert.notEqual(a.nonce, b.nonce);
    assert.equal(req.reqPolicy, undefined);
  });

  it('names a policy when asked', () => {
    const req = pkijs.TimeStampReq.fromBER(new Uint8Array(buildTimeStampRequest({ imprint, hash: 'sha256', policy: '1.2.3.4' }).der));
    assert.equal(req.reqPolicy, '1.2.3.4');
  });

  it('refuses an imprint of the wrong length for the hash', () => {
    assert.throws(() => buildTimeStampRequest({ imprint, hash: 'sha512' }), (e: unknown) => isCmsError(e, 'unsupported-algorithm'));
  });
});

describe('parseTimeStampResponse', () => {
  const check = { imprint, hash: 'sha256' as const, server: 'the timestamp server at https://tsa.example' };

  it('reports a rejection with its status, each failure bit and the server text in words', () => {
    assert.throws(
      () => parseTimeStampResponse(statusOnly(2, [0, 15], 'no such policy'), check),
      (e: unknown) =>
        isCmsError(e, 'tsa-rejected') &&
        e.message ===
          'The timestamp server at https://tsa.example refused the timestamp request (rejection: badAlg: the hash algorithm is not supported, unacceptedPolicy: the requested policy is not supported): "no such policy".',
    );
  });

  it('reports a waiting status as a refusal', () => {
    assert.throws(() => parseTimeStampResponse(statusOnly(3), check), (e: unknown) => isCmsError(e, 'tsa-rejected') && /\(waiting\)/.test(e.message));
  });

  it('reports a granted status without a token as a bad response', () => {
    assert.throws(() => parseTimeStampResponse(statusOnly(0), check), (e: unknown) => isCmsError(e, 'tsa-bad-response'));
  });

  it('reports bytes that are no TimeStampResp as a bad response', () => {
    for (const bytes of [new Uint8Array(0), new Uint8Array([0x30, 0x03, 0x02, 0x01]), new TextEncoder().encode('<html>')]) {
      assert.throws(() => parseTimeStampResponse(bytes, check), (e: unknown) => isCmsError(e, 'tsa-bad-response'));
    }
  });
});
