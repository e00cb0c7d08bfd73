// The validator against hostile signatures, in process: a /ByteRange may claim any gap, up to the
// whole file; checking that the gap is the /Contents string must not load it at once (memory would
// then grow with the file, which signature.ts promises it does not).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesSource } from '../../main/pdf';
import type { ByteSource } from '../../main/pdf';
import { validatePdf } from '../../main/validation/validate';
import { signatureGap } from '../fixtures/hostile';

const MiB = 1024 * 1024;

/** `source`, recording the longest single read. */
function recording(source: ByteSource): ByteSource & { longest: number } {
  const out = {
    size: source.size,
    longest: 0,
    read(position: number, length: number) {
      out.longest = Math.max(out.longest, length);
      return source.read(position, length);
    },
    close: () => source.close(),
  };
  return out;
}

describe('hostile /ByteRange gaps', () => {
  for (const fill of ['spaces', 'hex'] as const) {
    it(`refuses an 8 MiB unsigned gap of ${fill} as a malformed byte range, reading at most 1 MiB at once`, async () => {
      const source = recording(bytesSource(signatureGap(8 * MiB, fill), 'gap.pdf'));
      const report = await validatePdf(source, { trustAnchors: [], systemTrust: false, online: false });
      const [signature] = report.signatures;
      assert.equal(report.signatures.length, 1);
      assert.equal(signature?.status, 'INVALID');
      assert.deepEqual(signature?.reasons.map((r) => r.code), ['BYTE_RANGE_MALFORMED']);
      // Spaces: the gap holds no more than whitespace, but not this value; hex: more digits than /Contents has.
      const words = fill === 'spaces' ? /the unprotected gap is not this signature's value/ : /the unprotected gap \(8,388,608 bytes\) is larger than this signature's value \(16 bytes\)/;
      assert.match(signature?.reasons[0]?.message ?? '', words);
      assert.ok(source.longest <= MiB, `read ${source.longest} bytes at once`);
    });
  }
});
