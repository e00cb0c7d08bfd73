// Random-access byte sources. The reader never loads a whole file: it asks for the tail, the
// cross-reference sections and the few objects it needs, through `read(position, length)`.
import { open } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { PdfError } from './errors';
import { msg } from '../errors';

const STREAM_CHUNK = 1024 * 1024;

export interface ByteSource {
  /** Total size in bytes. */
  readonly size: number;
  /** How error messages name the document (the path as the user gave it, or a file name). */
  readonly name?: string;
  /**
   * Up to `length` bytes from `position`; fewer only at the end of the source. The result may be a
   * view of a shared buffer: callers must not modify it.
   */
  read(position: number, length: number): Promise<Uint8Array<ArrayBuffer>>;
  /**
   * Streams [position, position + length) through `sink` in chunks that reuse one buffer (so
   * hashing a 200 MB range allocates nothing per chunk); a chunk is only valid during its call.
   */
  stream?(position: number, length: number, sink: (chunk: Uint8Array) => void): Promise<void>;
  close(): Promise<void>;
}

export interface FileSource extends ByteSource {
  readonly name: string;
  /** Bytes actually read from disk so far (cache misses included, cache hits not). */
  readonly bytesRead: number;
}

export interface FileSourceOptions {
  /** Name used in error messages; the path by default. */
  name?: string;
  /** Size of a cached block (64 KiB by default). */
  blockSize?: number;
  /** Number of blocks kept (64 by default, i.e. 4 MiB). */
  cacheBlocks?: number;
}

/**
 * Opens `path` for positional reads. Small reads go through a cache of aligned blocks; reads of
 * more than a few blocks (stream data, the viewer's ranges) go straight to the file.
 */
export async function fileSource(path: string, options: FileSourceOptions = {}): Promise<FileSource> {
  const name = options.name ?? path;
  let handle: FileHandle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw openError(name, error);
  }
  let size: number;
  try {
    const info = await handle.stat();
    if (!info.isFile()) {
      throw new PdfError('not-a-file', info.isDirectory() ? msg('error.pdf.directory', { name }) : msg('error.pdf.not-regular-file', { name }));
    }
    size = info.size;
  } catch (error) {
    await handle.close().catch(() => undefined);
    if (error instanceof PdfError) throw error;
    throw openError(name, error);
  }
  return new CachedFileSource(handle, name, size, options.blockSize ?? 64 * 1024, options.cacheBlocks ?? 64);
}

function openError(name: string, error: unknown): PdfError {
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'ENOENT':
      return new PdfError('not-found', msg('error.pdf.not-found', { name }), { cause: error });
    case 'ENOTDIR':
      return new PdfError('not-found', msg('error.pdf.not-found-path', { name }), { cause: error });
    case 'EISDIR':
      return new PdfError('not-a-file', msg('error.pdf.directory', { name }), { cause: error });
    case 'EACCES':
    case 'EPERM':
      return new PdfError('io', msg('error.pdf.permission-denied', { name }), { cause: error });
    default:
      return new PdfError('io', msg('error.pdf.unreadable', { name, detail: typeof code === 'string' ? code : String(error) }), { cause: error });
  }
}

class CachedFileSource implements FileSource {
  bytesRead = 0;
  private readonly blocks = new Map<number, Promise<Uint8Array<ArrayBuffer>>>();
  private closed = false;

  constructor(
    private readonly handle: FileHandle,
    readonly name: string,
    readonly size: number,
    private readonly blockSize: number,
    private readonly cacheBlocks: number,
  ) {}

  async read(position: number, length: number): Promise<Uint8Array<ArrayBuffer>> {
    if (this.closed) throw new PdfError('io', msg('error.pdf.closed', { name: this.name }));
    const start = Math.max(0, Math.min(position, this.size));
    const end = Math.max(start, Math.min(position + Math.max(0, length), this.size));
    if (end === start) return new Uint8Array(0);
    if (end - start > 4 * this.blockSize) return this.readDirect(start, end - start);
    const first = Math.floor(start / this.blockSize);
    const last = Math.floor((end - 1) / this.blockSize);
    if (first === last) {
      const block = await this.block(first);
      const base = first * this.blockSize;
      return block.subarray(start - base, end - base);
    }
    const out = new Uint8Array(end - start);
    const blocks = await Promise.all(Array.from({ length: last - first + 1 }, (_, i) => this.block(first + i)));
    blocks.forEach((block, i) => {
      const base = (first + i) * this.blockSize;
      const from = Math.max(start, base);
      const to = Math.min(end, base + block.length);
      if (to > from) out.set(block.subarray(from - base, to - base), from - start);
    });
    return out;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.blocks.clear();
    await this.handle.close();
  }

  private block(index: number): Promise<Uint8Array<ArrayBuffer>> {
    const cached = this.blocks.get(index);
    if (cached) {
      // Least recently used goes first: re-insert on every hit.
      this.blocks.delete(index);
      this.blocks.set(index, cached);
      return cached;
    }
    const position = index * this.blockSize;
    const promise = this.readDirect(position, Math.min(this.blockSize, this.size - position));
    promise.catch(() => this.blocks.delete(index));
    this.blocks.set(index, promise);
    while (this.blocks.size > this.cacheBlocks) {
      const oldest = this.blocks.keys().next().value;
      if (oldest === undefined) break;
      this.blocks.delete(oldest);
    }
    return promise;
  }

  async stream(position: number, length: number, sink: (chunk: Uint8Array) => void): Promise<void> {
    if (this.closed) throw new PdfError('io', msg('error.pdf.closed', { name: this.name }));
    const end = Math.min(position + length, this.size);
    const buffer = new Uint8Array(Math.min(STREAM_CHUNK, Math.max(1, end - position)));
    for (let pos = position; pos < end; ) {
      let bytesRead: number;
      try {
        ({ bytesRead } = await this.handle.read(buffer, 0, Math.min(buffer.length, end - pos), pos));
      } catch (error) {
        throw new PdfError('io', msg('error.pdf.unreadable-at', { name: this.name, offset: pos, detail: (error as { code?: string }).code ?? String(error) }), { cause: error });
      }
      if (bytesRead === 0) break;
      this.bytesRead += bytesRead;
      sink(buffer.subarray(0, bytesRead));
      pos += bytesRead;
    }
  }

  private async readDirect(position: number, length: number): Promise<Uint8Array<ArrayBuffer>> {
    const out = new Uint8Array(length);
    let filled = 0;
    try {
      while (filled < length) {
        const { bytesRead } = await this.handle.read(out, filled, length - filled, position + filled);
        if (bytesRead === 0) break;
        filled += bytesRead;
      }
    } catch (error) {
      throw new PdfError('io', msg('error.pdf.unreadable-at', { name: this.name, offset: position + filled, detail: (error as { code?: string }).code ?? String(error) }), { cause: error });
    }
    this.bytesRead += filled;
    if (filled < length) throw new PdfError('io', msg('error.pdf.shrunk', { name: this.name, size: this.size }));
    return out;
  }
}

/** A source over bytes already in memory (tests, drag and drop). Reads return views, not copies. */
export function bytesSource(input: Uint8Array, name?: string): ByteSource {
  const bytes: Uint8Array<ArrayBuffer> = input.buffer instanceof ArrayBuffer ? (input as Uint8Array<ArrayBuffer>) : new Uint8Array(input);
  return {
    size: bytes.length,
    ...(name === undefined ? {} : { name }),
    read(position: number, length: number) {
      const start = Math.max(0, Math.min(position, bytes.length));
      const end = Math.max(start, Math.min(position + Math.max(0, length), bytes.length));
      return Promise.resolve(bytes.subarray(start, end));
    },
    close() {
      return Promise.resolve();
    },
  };
}

/**
 * The first `length` bytes of `inner`: how an earlier revision of an incrementally updated PDF is
 * read (a revision is a prefix of the file). Closing the prefix closes `inner`, which it owns.
 */
export function prefixSource(inner: ByteSource, length: number, name?: string): ByteSource {
  if (!Number.isInteger(length) || length < 0 || length > inner.size) {
    throw new RangeError(`prefix of ${length} bytes is outside a source of ${inner.size} bytes`);
  }
  const clamp = (position: number, want: number): number => Math.max(0, Math.min(want, length - position));
  const prefix: ByteSource = {
    size: length,
    ...(name === undefined ? (inner.name === undefined ? {} : { name: inner.name }) : { name }),
    read: (position, want) => inner.read(position, clamp(position, want)),
    close: () => inner.close(),
  };
  const stream = inner.stream?.bind(inner);
  if (stream) prefix.stream = (position, want, sink) => stream(position, clamp(position, want), sink);
  return prefix;
}
