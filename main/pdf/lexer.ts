// Tokenizer of PDF syntax (ISO 32000-2, 7.2 and 7.3) over a window of bytes. A window is a slice
// of the file starting at `base`; when a token runs past the end of a window that is not the end of
// the file, the lexer throws NeedMoreData and the caller retries with a larger window. So the
// parser stays synchronous and the reader reads only the bytes around the objects it needs.

/** The window ended before the token did: read more bytes and parse again. */
export class NeedMoreData extends Error {
  constructor() {
    super('need more data');
  }
}

/** Bytes that are not valid PDF syntax; `offset` is absolute (window base + position). */
export class PdfSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export type Delimiter = '[' | ']' | '<<' | '>>' | '{' | '}';

export type Token =
  | { readonly kind: 'int'; readonly value: number }
  | { readonly kind: 'real'; readonly value: number }
  | { readonly kind: 'name'; readonly value: string }
  | { readonly kind: 'string'; readonly bytes: Uint8Array; readonly hex: boolean }
  | { readonly kind: 'delim'; readonly value: Delimiter }
  | { readonly kind: 'keyword'; readonly value: string }
  | { readonly kind: 'eof' };

const WHITESPACE = new Uint8Array(256);
for (const c of [0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]) WHITESPACE[c] = 1;
const DELIMITER = new Uint8Array(256);
for (const c of '()<>[]{}/%') DELIMITER[c.charCodeAt(0)] = 1;

export function isWhitespace(byte: number): boolean {
  return WHITESPACE[byte] === 1;
}
/** Neither whitespace nor a delimiter (7.2.3). */
export function isRegular(byte: number): boolean {
  return byte >= 0 && WHITESPACE[byte] !== 1 && DELIMITER[byte] !== 1;
}

const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;

// Names are at most 127 bytes and numbers a few dozen digits (Annex C); a run of regular
// characters far longer is garbage, refused before it becomes a string of the window's size.
const MAX_TOKEN = 64 * 1024;

/** At most this many characters of a token are quoted in a message. */
const QUOTED = 40;

/**
 * A token's text as a message quotes it, between `open` and `close`: the first 40 characters (a
 * run of garbage may be 64 KiB: the hex digits of a /Contents that lost its "<", say) with the
 * length when cut, and every character that is not printable ASCII as \xNN, so that a file's
 * bytes (an escape sequence) never reach a terminal as they are.
 */
export function excerpt(text: string, open: string, close: string): string {
  const cut = text.length > QUOTED;
  const shown = (cut ? text.slice(0, QUOTED) : text).replace(/[^\x20-\x7e]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
  return cut ? `${open}${shown}…${close} (${text.length.toLocaleString('en')} characters)` : `${open}${shown}${close}`;
}

/** String bytes in a buffer that doubles as it fills (a JS number[] would take 8 bytes a byte). */
class StringBytes {
  private buf = new Uint8Array(64);
  private length = 0;

  push(byte: number): void {
    if (this.length === this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = byte;
  }

  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}

function hexValue(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

export class Lexer {
  /** Position in `buf` of the next byte to read. */
  pos: number;
  /** Absolute offset where the last token returned by next() started. */
  tokenOffset = 0;

  /**
   * @param buf the window
   * @param base absolute offset of buf[0] in the file
   * @param complete the window reaches the end of the data: running off it is end of file, not NeedMoreData
   */
  constructor(
    readonly buf: Uint8Array,
    readonly base = 0,
    readonly complete = true,
    start = 0,
  ) {
    this.pos = start;
  }

  /** Absolute offset of the next byte. */
  get offset(): number {
    return this.base + this.pos;
  }

  /** The byte at buf[index], -1 at the end of the data; throws NeedMoreData past a partial window. */
  byteAt(index: number): number {
    if (index < this.buf.length) return this.buf[index] as number;
    if (this.complete) return -1;
    throw new NeedMoreData();
  }

  error(message: string, offset = this.offset): PdfSyntaxError {
    return new PdfSyntaxError(message, offset);
  }

  /** Skips whitespace and comments. */
  skipSpace(): void {
    for (;;) {
      const c = this.byteAt(this.pos);
      if (c < 0) return;
      if (WHITESPACE[c] === 1) {
        this.pos++;
      } else if (c === 0x25 /* % */) {
        while (this.byteAt(this.pos) >= 0 && this.byteAt(this.pos) !== 0x0a && this.byteAt(this.pos) !== 0x0d) this.pos++;
      } else {
        return;
      }
    }
  }

  /** Skips one end-of-line marker (CR LF, LF or CR) if there is one. */
  skipEol(): void {
    const c = this.byteAt(this.pos);
    if (c === 0x0d) {
      this.pos++;
      if (this.byteAt(this.pos) === 0x0a) this.pos++;
    } else if (c === 0x0a) {
      this.pos++;
    }
  }

  /** The next token, without consuming it. */
  peek(): Token {
    const saved = this.pos;
    const savedOffset = this.tokenOffset;
    try {
      return this.next();
    } finally {
      this.pos = saved;
      this.tokenOffset = savedOffset;
    }
  }

  next(): Token {
    this.skipSpace();
    this.tokenOffset = this.offset;
    const c = this.byteAt(this.pos);
    if (c < 0) return { kind: 'eof' };
    switch (c) {
      case 0x28 /* ( */:
        return this.literalString();
      case 0x3c /* < */:
        if (this.byteAt(this.pos + 1) === 0x3c) {
          this.pos += 2;
          return { kind: 'delim', value: '<<' };
        }
        return this.hexString();
      case 0x3e /* > */:
        if (this.byteAt(this.pos + 1) === 0x3e) {
          this.pos += 2;
          return { kind: 'delim', value: '>>' };
        }
        throw this.error('unexpected ">"');
      case 0x5b /* [ */:
      case 0x5d /* ] */:
      case 0x7b /* { */:
      case 0x7d /* } */:
        this.pos++;
        return { kind: 'delim', value: String.fromCharCode(c) as Delimiter };
      case 0x2f /* / */:
        return this.name();
      case 0x29 /* ) */:
        throw this.error('unexpected ")"');
      default:
        return this.regular();
    }
  }

  /** A run of regular characters: a number or a keyword (true, obj, R, stream, xref...). */
  private regular(): Token {
    const start = this.pos;
    while (isRegular(this.byteAt(this.pos))) {
      this.pos++;
      if (this.pos - start > MAX_TOKEN) throw this.error(`a token longer than ${MAX_TOKEN} bytes`, this.base + start);
    }
    let text = '';
    for (let i = start; i < this.pos; i++) text += String.fromCharCode(this.buf[i] as number);
    if (NUMBER.test(text)) {
      const value = Number(text);
      return text.includes('.') ? { kind: 'real', value } : { kind: 'int', value };
    }
    return { kind: 'keyword', value: text };
  }

  private name(): Token {
    const start = this.pos;
    this.pos++; // the slash
    let value = '';
    for (;;) {
      const c = this.byteAt(this.pos);
      if (!isRegular(c)) break;
      if (this.pos - start > MAX_TOKEN) throw this.error(`a name longer than ${MAX_TOKEN} bytes`, this.base + start);
      if (c === 0x23 /* # */) {
        const high = hexValue(this.byteAt(this.pos + 1));
        const low = high < 0 ? -1 : hexValue(this.byteAt(this.pos + 2));
        if (high >= 0 && low >= 0) {
          value += String.fromCharCode(high * 16 + low);
          this.pos += 3;
          continue;
        }
        // A '#' not followed by two hex digits: PDF 1.2+ forbids it, older files used it literally.
      }
      value += String.fromCharCode(c);
      this.pos++;
    }
    return { kind: 'name', value };
  }

  private literalString(): Token {
    const start = this.offset;
    this.pos++; // (
    const out = new StringBytes();
    let depth = 1;
    for (;;) {
      const c = this.byteAt(this.pos);
      if (c < 0) throw this.error('unterminated literal string', start);
      this.pos++;
      if (c === 0x5c /* \ */) {
        const e = this.byteAt(this.pos);
        if (e < 0) throw this.error('unterminated literal string', start);
        this.pos++;
        switch (e) {
          case 0x6e: out.push(0x0a); break; // \n
          case 0x72: out.push(0x0d); break; // \r
          case 0x74: out.push(0x09); break; // \t
          case 0x62: out.push(0x08); break; // \b
          case 0x66: out.push(0x0c); break; // \f
          case 0x0d: // backslash + EOL: line continuation, nothing is added
            if (this.byteAt(this.pos) === 0x0a) this.pos++;
            break;
          case 0x0a:
            break;
          default:
            if (e >= 0x30 && e <= 0x37) {
              let value = e - 0x30;
              for (let n = 0; n < 2; n++) {
                const d = this.byteAt(this.pos);
                if (d < 0x30 || d > 0x37) break;
                value = value * 8 + (d - 0x30);
                this.pos++;
              }
              out.push(value & 0xff); // \ddd above \377: the high bit is ignored (7.3.4.2)
            } else {
              out.push(e); // \( \) \\ and any other char stand for themselves
            }
        }
      } else if (c === 0x28) {
        depth++;
        out.push(c);
      } else if (c === 0x29) {
        depth--;
        if (depth === 0) break;
        out.push(c);
      } else if (c === 0x0d) {
        // An unescaped EOL (CR, LF or CR LF) in a literal string reads as one LF (7.3.4.2).
        if (this.byteAt(this.pos) === 0x0a) this.pos++;
        out.push(0x0a);
      } else {
        out.push(c);
      }
    }
    return { kind: 'string', bytes: out.bytes(), hex: false };
  }

  private hexString(): Token {
    const start = this.offset;
    this.pos++; // <
    const out = new StringBytes();
    let high = -1;
    for (;;) {
      const c = this.byteAt(this.pos);
      if (c < 0) throw this.error('unterminated hex string', start);
      this.pos++;
      if (c === 0x3e) break;
      if (WHITESPACE[c] === 1) continue;
      const v = hexValue(c);
      if (v < 0) throw this.error(`invalid character ${excerpt(String.fromCharCode(c), '"', '"')} in a hex string`, this.offset - 1);
      if (high < 0) {
        high = v;
      } else {
        out.push(high * 16 + v);
        high = -1;
      }
    }
    if (high >= 0) out.push(high * 16); // an odd final digit is followed by an implied 0 (7.3.4.3)
    return { kind: 'string', bytes: out.bytes(), hex: true };
  }
}
