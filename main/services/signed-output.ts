// The byte work of a signature, never the whole file in memory: copy the input to a temp file
// beside the output while hashing it, append the update while hashing all of it but the /Contents
// gap, later write the signature into the gap in place, and finally rename the temp file over the
// output. A failure at any step removes the temp file: no partial output, the input untouched.
import { createHash, randomBytes } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { HashAlgorithm } from '../signers/signer';

export class TempOutput {
  private constructor(
    readonly path: string,
    readonly target: string,
  ) {}

  /** A temp file in the target's folder (same filesystem, so the final rename is atomic). */
  static async create(target: string): Promise<TempOutput> {
    const path = join(dirname(target), `.${basename(target)}.paraphe-${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(path, 'wx', 0o600);
    await handle.close();
    return new TempOutput(path, target);
  }

  async size(): Promise<number> {
    return (await stat(this.path)).size;
  }

  /**
   * Copies `source` into the (empty) temp file, feeding every byte to `hash` if given. One 1 MiB
   * buffer is reused: a read stream allocates a new one per chunk, and those pile up until the
   * garbage collector runs (peak memory then grows with the file size).
   */
  async copyFrom(source: string, hash?: Hash): Promise<void> {
    const input = await open(source, 'r');
    const output = await open(this.path, 'w');
    try {
      await pump(input, hash, async (chunk) => {
        await output.write(chunk);
      });
    } finally {
      await Promise.all([input.close(), output.close()]);
    }
  }

  /** Feeds the whole current file to `hash`. */
  async hashInto(hash: Hash): Promise<void> {
    const input = await open(this.path, 'r');
    try {
      await pump(input, hash);
    } finally {
      await input.close();
    }
  }

  /**
   * Appends `bytes`; when `hash` is given, feeds it every appended byte outside the absolute range
   * [gapStart, gapEnd) (the /Contents placeholder).
   */
  async append(bytes: Uint8Array, hash?: Hash, gap?: { start: number; end: number }): Promise<void> {
    const offset = await this.size();
    if (hash) {
      if (gap) {
        const start = Math.max(0, gap.start - offset);
        const end = Math.max(0, gap.end - offset);
        hash.update(bytes.subarray(0, start));
        hash.update(bytes.subarray(end));
      } else {
        hash.update(bytes);
      }
    }
    const handle = await open(this.path, 'a');
    try {
      await handle.write(bytes);
    } finally {
      await handle.close();
    }
  }

  /** Writes `bytes` at `offset` in place (the signature into its placeholder). */
  async patch(offset: number, bytes: Uint8Array): Promise<void> {
    const handle = await open(this.path, 'r+');
    try {
      await handle.write(bytes, 0, bytes.length, offset);
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async commit(): Promise<void> {
    await rename(this.path, this.target);
  }

  async discard(): Promise<void> {
    await rm(this.path, { force: true });
  }
}

const CHUNK = 1024 * 1024;

/** Reads `input` to its end through one reused buffer, hashing and passing on each chunk. */
async function pump(input: FileHandle, hash: Hash | undefined, sink?: (chunk: Buffer) => Promise<void>): Promise<void> {
  const buffer = Buffer.allocUnsafe(CHUNK);
  for (;;) {
    const { bytesRead } = await input.read(buffer, 0, CHUNK, null);
    if (bytesRead === 0) return;
    const chunk = buffer.subarray(0, bytesRead);
    hash?.update(chunk);
    if (sink) await sink(chunk);
  }
}

export function newHash(algorithm: HashAlgorithm): Hash {
  return createHash(algorithm);
}

/** The /Contents value: the DER as uppercase hex, padded with zeros to the placeholder's length. */
export function contentsHex(der: Uint8Array, hexLength: number): Uint8Array {
  const hex = Buffer.from(der).toString('hex').toUpperCase();
  if (hex.length > hexLength) throw new Error(`signature of ${der.length} bytes does not fit a ${hexLength / 2}-byte placeholder`);
  return Buffer.from(hex.padEnd(hexLength, '0'), 'latin1');
}
