// The byte work of a signature, never the whole file in memory: copy the input to a temp file
// beside the output while hashing it, append the update while hashing all of it but the /Contents
// gap, later write the signature into the gap in place, and finally rename the temp file over the
// output. A failure at any step removes the temp file: no partial output, the input untouched.
import { createHash, randomBytes } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { open, rename, rm } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { HashAlgorithm } from '../signers/signer';

export class TempOutput {
  /** Bytes written so far (the file is only ever written through this object). */
  private length = 0;

  private constructor(
    readonly path: string,
    readonly target: string,
    /** One handle for the temp file's whole life: fewer round trips to the I/O thread pool. */
    private readonly handle: FileHandle,
  ) {}

  /** A temp file in the target's folder (same filesystem, so the final rename is atomic). */
  static async create(target: string): Promise<TempOutput> {
    const path = join(dirname(target), `.${basename(target)}.paraphe-${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(path, 'wx+', 0o600);
    return new TempOutput(path, target, handle);
  }

  size(): number {
    return this.length;
  }

  /**
   * Copies `source` into the (empty) temp file, feeding every byte to `hash` if given. One 1 MiB
   * buffer is reused: a read stream allocates a new one per chunk, and those pile up until the
   * garbage collector runs (peak memory then grows with the file size).
   */
  async copyFrom(source: string, hash?: Hash): Promise<void> {
    const input = await open(source, 'r');
    try {
      await pump(input, null, hash, async (chunk) => {
        await this.writeAt(chunk, this.length);
      });
    } finally {
      await input.close();
    }
  }

  /** Feeds the whole current file to `hash`. */
  async hashInto(hash: Hash): Promise<void> {
    await pump(this.handle, 0, hash);
  }

  /**
   * Appends `bytes`; when `hash` is given, feeds it every appended byte outside the absolute range
   * [gap.start, gap.end) (the /Contents placeholder).
   */
  async append(bytes: Uint8Array, hash?: Hash, gap?: { start: number; end: number }): Promise<void> {
    const offset = this.length;
    if (hash) {
      if (gap) {
        hash.update(bytes.subarray(0, Math.max(0, gap.start - offset)));
        hash.update(bytes.subarray(Math.max(0, gap.end - offset)));
      } else {
        hash.update(bytes);
      }
    }
    await this.writeAt(bytes, offset);
  }

  /** Writes `bytes` at `offset` in place (the signature into its placeholder). */
  async patch(offset: number, bytes: Uint8Array): Promise<void> {
    await this.writeAt(bytes, offset);
  }

  /** Flushes to disk, closes and renames over the target: the output appears whole. */
  async commit(): Promise<void> {
    await this.handle.sync();
    await this.handle.close();
    await rename(this.path, this.target);
  }

  async discard(): Promise<void> {
    await this.handle.close().catch(() => undefined);
    await rm(this.path, { force: true });
  }

  private async writeAt(bytes: Uint8Array, position: number): Promise<void> {
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await this.handle.write(bytes, written, bytes.length - written, position + written);
      written += bytesWritten;
    }
    this.length = Math.max(this.length, position + bytes.length);
  }
}

const CHUNK = 1024 * 1024;

/**
 * Reads `input` to its end through one reused buffer, from `start` (null: the current position),
 * hashing and passing on each chunk.
 */
async function pump(input: FileHandle, start: number | null, hash: Hash | undefined, sink?: (chunk: Buffer) => Promise<void>): Promise<void> {
  const buffer = Buffer.allocUnsafe(CHUNK);
  let position = start;
  for (;;) {
    const { bytesRead } = await input.read(buffer, 0, CHUNK, position);
    if (bytesRead === 0) return;
    if (position !== null) position += bytesRead;
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
