// Signed outputs (main/services/signed-output.ts): a new file follows the umask (0666 & ~umask),
// an overwritten file keeps its mode, and no temp file survives a failure; a file is copied through
// two buffers that take turns (the next chunk read while this one is hashed and written).
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdtemp, open, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { TempOutput, forgetNewFileMode, handleBytes, memoryBytes } from '../../main/services/signed-output';

const modeOf = async (path: string) => (await stat(path)).mode & 0o777;

describe('TempOutput modes and clean-up', { skip: process.platform === 'win32' ? 'POSIX modes' : false }, () => {
  let dir: string;
  let saved: number;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paraphe-output-modes-'));
    saved = process.umask(0o022);
    process.umask(saved);
  });
  afterEach(() => {
    process.umask(saved);
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  async function write(target: string): Promise<void> {
    forgetNewFileMode(); // the umask was just changed, which the app never does
    const temp = await TempOutput.create(target);
    assert.equal(await modeOf(temp.path), 0o600, 'private while it is written');
    await temp.copyFrom(memoryBytes(new Uint8Array([1, 2, 3])));
    await temp.commit();
  }

  it('a new file follows the umask', async () => {
    process.umask(0o022);
    await write(join(dir, 'new-022.pdf'));
    assert.equal(await modeOf(join(dir, 'new-022.pdf')), 0o644);
    process.umask(0o077);
    await write(join(dir, 'new-077.pdf'));
    assert.equal(await modeOf(join(dir, 'new-077.pdf')), 0o600);
    process.umask(0o002);
    await write(join(dir, 'new-002.pdf'));
    assert.equal(await modeOf(join(dir, 'new-002.pdf')), 0o664);
  });

  it('an overwritten file keeps its mode', async () => {
    const target = join(dir, 'kept.pdf');
    await writeFile(target, 'old');
    await chmod(target, 0o640);
    process.umask(0o077);
    await write(target);
    assert.equal(await modeOf(target), 0o640);
  });

  it('leaves no temp file after a failure before the first byte, or a discard', async () => {
    const target = join(dir, 'failed.pdf');
    const temp = await TempOutput.create(target);
    await temp.discard();
    const failing = await TempOutput.create(target);
    await assert.rejects(failing.copyFrom({ size: 10, pump: async () => { throw new Error('read failed'); } }));
    await failing.discard();
    const left = (await readdir(dir)).filter((name) => name.includes('.paraphe-'));
    assert.deepEqual(left, []);
    await assert.rejects(stat(target));
  });
});

describe('TempOutput copies a file through two buffers that take turns', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paraphe-output-copy-'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  // 3.5 MiB: three full 1 MiB chunks and a partial one, so each buffer is reused while the other
  // is being read; a chunk handed on before its read finished, or overwritten before its sink
  // resolved, would change the copy or its hash.
  const SIZE = 3.5 * 1024 * 1024;

  it('copies every byte once, in order, and feeds the same bytes to the hashes', async () => {
    const input = join(dir, 'in.bin');
    const bytes = randomBytes(SIZE);
    await writeFile(input, bytes);
    const handle = await open(input, 'r');
    const temp = await TempOutput.create(join(dir, 'out.bin'));
    const hash = createHash('sha256');
    const check = createHash('sha512');
    try {
      await temp.copyFrom(handleBytes(handle, SIZE), hash, check);
      await temp.commit();
    } finally {
      await handle.close();
    }
    assert.ok((await readFile(join(dir, 'out.bin'))).equals(bytes));
    assert.equal(hash.digest('hex'), createHash('sha256').update(bytes).digest('hex'));
    assert.equal(check.digest('hex'), createHash('sha512').update(bytes).digest('hex'));
  });

  it('a sink that fails stops the copy, with no read left running on the closed file', async () => {
    const input = join(dir, 'in2.bin');
    await writeFile(input, randomBytes(SIZE));
    const handle = await open(input, 'r');
    const seen: number[] = [];
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      await assert.rejects(
        handleBytes(handle, SIZE).pump(async (chunk) => {
          seen.push(chunk.length);
          if (seen.length === 2) throw new Error('disk full');
        }),
        /disk full/,
      );
      await handle.close(); // would fail (or a read would fail after it) if a read were still in flight
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    assert.deepEqual(seen, [1024 * 1024, 1024 * 1024]);
    assert.deepEqual(unhandled, []);
  });
});
