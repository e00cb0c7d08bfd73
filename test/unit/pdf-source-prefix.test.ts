// prefixSource: an earlier revision of a PDF read as the first N bytes of the file's source.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bytesSource, fileSource, prefixSource } from '../../main/pdf';

const bytes = new Uint8Array(Array.from({ length: 1000 }, (_, i) => i % 251));

describe('prefixSource', () => {
  it('has the prefix length and never reads past it', async () => {
    const prefix = prefixSource(bytesSource(bytes, 'all.pdf'), 600);
    assert.equal(prefix.size, 600);
    assert.equal(prefix.name, 'all.pdf');
    assert.deepEqual(await prefix.read(590, 50), bytes.subarray(590, 600));
    assert.equal((await prefix.read(700, 10)).length, 0);
    assert.deepEqual(await prefix.read(0, 600), bytes.subarray(0, 600));
  });

  it('streams only the prefix of a file, and closes the file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'paraphe-prefix-'));
    try {
      const path = join(dir, 'f.pdf');
      await writeFile(path, bytes);
      const file = await fileSource(path);
      const prefix = prefixSource(file, 300, 'signed version');
      assert.equal(prefix.name, 'signed version');
      const seen: number[] = [];
      await prefix.stream?.(250, 500, (chunk) => seen.push(...chunk));
      assert.deepEqual(seen, [...bytes.subarray(250, 300)]);
      await prefix.close();
      await assert.rejects(file.read(0, 1), /closed/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a prefix longer than the source', () => {
    assert.throws(() => prefixSource(bytesSource(bytes), 1001), RangeError);
    assert.throws(() => prefixSource(bytesSource(bytes), -1), RangeError);
  });
});
