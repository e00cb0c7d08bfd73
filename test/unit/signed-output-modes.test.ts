// Signed outputs (main/services/signed-output.ts): a new file follows the umask (0666 & ~umask),
// an overwritten file keeps its mode, and no temp file survives a failure.
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { TempOutput, forgetNewFileMode, memoryBytes } from '../../main/services/signed-output';

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
