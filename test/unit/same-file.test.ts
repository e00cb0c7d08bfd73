// The one "never over the input" check of the app and the CLI (main/services/same-file.ts): the
// same path, a symbolic link to the file or to a folder on the way, a hard link.
import assert from 'node:assert/strict';
import { link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { isSameFile, refuseInputAsOutput } from '../../main/services/same-file';

describe('isSameFile / refuseInputAsOutput', () => {
  let dir: string;
  let input: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'paraphe-same-file-'));
    await mkdir(join(dir, 'docs'));
    input = join(dir, 'docs', 'lease.pdf');
    await writeFile(input, '%PDF-1.7\n');
    await symlink(join(dir, 'docs'), join(dir, 'link'));
    await symlink(input, join(dir, 'lease-link.pdf'));
    await link(input, join(dir, 'hard.pdf'));
  });
  after(async () => rm(dir, { recursive: true, force: true }));

  it('sees the input through a symlinked folder, a symlink to the file, a hard link and dot segments', async () => {
    for (const output of [input, join(dir, 'docs', '.', 'lease.pdf'), join(dir, 'link', 'lease.pdf'), join(dir, 'lease-link.pdf'), join(dir, 'hard.pdf')]) {
      assert.equal(await isSameFile(input, output), true, output);
      await assert.rejects(refuseInputAsOutput(input, output), (e: { code?: string; message?: string }) =>
        e.code === 'output-is-input' && /original is never overwritten/.test(e.message ?? ''), output);
    }
  });

  it('lets other names through, new or existing', async () => {
    await writeFile(join(dir, 'docs', 'other.pdf'), 'x');
    for (const output of [join(dir, 'docs', 'other.pdf'), join(dir, 'link', 'new.pdf'), join(dir, 'nowhere', 'x.pdf')]) {
      assert.equal(await isSameFile(input, output), false, output);
      await refuseInputAsOutput(input, output);
    }
  });
});
