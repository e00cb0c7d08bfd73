// The byte work of a signature, never the whole file in memory: copy the input to a temp file
// beside the output while hashing it, append the update while hashing all of it but the /Contents
// gap, later write the signature into the gap in place, and finally rename the temp file over the
// output. A failure at any step removes the temp file: no partial output, the input untouched.
//
// Modes: the temp file is private (0600) while it is written; on commit it takes the mode of the
// file it replaces, or, for a new file, the mode any new file gets here (0666 less the umask).
import { createHash, randomBytes } from 'node:crypto';
import type { Hash } from 'node:crypto';
import { open, rename, rm, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { HashAlgorithm } from '../signers/signer';
import type { ByteSource } from '../pdf';

const CHUNK = 1024 * 1024;

/** The bytes of a document to sign, streamed in order (reused buffers: a chunk is valid until its sink resolves). */
export interface InputBytes {
  readonly size: number;
  pump(sink: (chunk: Uint8Array) => Promise<void>): Promise<void>;
}

/** An open file as InputBytes: positional reads through one 1 MiB buffer. */
export function handleBytes(handle: FileHandle, size: number): InputBytes {
  return { size, pump: (sink) => pump(handle, 0, undefined, sink) };
}

/** A ByteSource as InputBytes (a repaired copy, made of new bytes and ranges of the original). */
export function sourceBytes(source: ByteSource): InputBytes {
  return {
    size: source.size,
    pump: async (sink) => {
      for (let at = 0; at < source.size; ) {
        const chunk = await source.read(at, Math.min(CHUNK, source.size - at));
        if (chunk.length === 0) break;
        await sink(chunk);
        at += chunk.length;
      }
    },
  };
}

/** Bytes in memory as InputBytes. */
export function memoryBytes(bytes: Uint8Array): InputBytes {
  return {
    size: bytes.length,
    pump: async (sink) => {
      for (let at = 0; at < bytes.length; at += CHUNK) await sink(bytes.subarray(at, Math.min(bytes.length, at + CHUNK)));
    },
  };
}

/** 0666 less the umask, as the first temp file of this process was created. */
let newFileModeHere: number | undefined;

/** Reads the umask again with the next temp file: for a host that changes it (tests do). */
export function forgetNewFileMode(): void {
  newFileModeHere = undefined;
}

export class TempOutput {
  /** Bytes written so far (the file is only ever written through this object). */
  private length = 0;

  private constructor(
    readonly path: string,
    readonly target: string,
    /** One handle for the temp file's whole life: fewer round trips to the I/O thread pool. */
    private readonly handle: FileHandle,
    /** The mode a new file gets here (0666 less the umask), read from the temp file as created. */
    private readonly newFileMode: number,
  ) {}

  /** A temp file in the target's folder (same filesystem, so the final rename is atomic). */
  static async create(target: string): Promise<TempOutput> {
    const path = join(dirname(target), `.${basename(target)}.paraphe-${randomBytes(6).toString('hex')}.tmp`);
    // Created 0666: the kernel applies the umask, which tells the mode a new output should have
    // (without process.umask(), which changes it for a moment). Private at once, until commit.
    // The umask is the process's and never changes here, so it is read once: later temp files
    // are created private directly (two fewer round trips per document in a batch).
    const known = newFileModeHere;
    const handle = await open(path, 'wx+', known === undefined ? 0o666 : 0o600);
    try {
      if (known !== undefined) return new TempOutput(path, target, handle, known);
      const newFileMode = (await handle.stat()).mode & 0o777;
      await handle.chmod(0o600);
      newFileModeHere = newFileMode;
      return new TempOutput(path, target, handle, newFileMode);
    } catch (error) {
      await handle.close().catch(() => undefined);
      await rm(path, { force: true });
      throw error;
    }
  }

  size(): number {
    return this.length;
  }

  /**
   * Copies `source` into the (empty) temp file, feeding every byte to `hash` if given. One 1 MiB
   * buffer is reused: a read stream allocates a new one per chunk, and those pile up until the
   * garbage collector runs (peak memory then grows with the file size).
   */
  async copyFrom(source: string | InputBytes, hash?: Hash, check?: Hash): Promise<void> {
    const sink = async (chunk: Uint8Array) => {
      // The write runs on the I/O pool while this thread hashes the same (unchanged) bytes.
      const written = this.writeAt(chunk, this.length);
      try {
        hash?.update(chunk);
        check?.update(chunk);
      } finally {
        await written;
      }
    };
    if (typeof source !== 'string') {
      await source.pump(sink);
      return;
    }
    const input = await open(source, 'r');
    try {
      await pump(input, 0, undefined, sink);
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
    // An overwritten file keeps its mode (the save dialog confirmed replacing it); a new one
    // follows the umask.
    const existing = await stat(this.target).then((info) => (info.isFile() ? info.mode & 0o777 : null), () => null);
    await this.handle.chmod(existing ?? this.newFileMode);
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

/**
 * Reads `input` from `start` to its end, hashing and passing on each chunk. Two buffers take
 * turns: the next chunk is read on the I/O pool while this one is hashed and written, so a large
 * file costs about the longer of reading and hashing, not their sum. A chunk is valid until its
 * sink resolves.
 */
async function pump(input: FileHandle, start: number, hash: Hash | undefined, sink?: (chunk: Uint8Array) => Promise<void>): Promise<void> {
  const buffers = [Buffer.allocUnsafe(CHUNK), Buffer.allocUnsafe(CHUNK)] as const;
  let position = start;
  let turn: 0 | 1 = 0;
  let next = input.read(buffers[turn], 0, CHUNK, position);
  try {
    for (;;) {
      const { bytesRead } = await next;
      if (bytesRead === 0) return;
      const chunk = buffers[turn].subarray(0, bytesRead);
      position += bytesRead;
      turn = turn === 0 ? 1 : 0;
      next = input.read(buffers[turn], 0, CHUNK, position);
      hash?.update(chunk);
      if (sink) await sink(chunk);
    }
  } finally {
    // A sink that failed leaves a read in flight: it ends before the caller closes the file.
    await next.then(
      () => undefined,
      () => undefined,
    );
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
