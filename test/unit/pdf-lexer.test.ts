import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { decodeFilters } from '../../main/pdf/filters';
import { Lexer, NeedMoreData, PdfSyntaxError } from '../../main/pdf/lexer';
import { PdfDict, PdfName, PdfReal, PdfRef, PdfString, decodeTextString } from '../../main/pdf/objects';
import { parseIndirectObject, parseObject, parseWindowed } from '../../main/pdf/parser';
import { bytesSource } from '../../main/pdf/source';

const bytes = (text: string) => Uint8Array.from(Buffer.from(text, 'latin1'));
const parse = (text: string) => parseObject(new Lexer(bytes(text)));
const str = (value: unknown) => {
  assert.ok(value instanceof PdfString, `expected a string, got ${String(value)}`);
  return Buffer.from(value.bytes).toString('latin1');
};

describe('lexer and parser', () => {
  it('keeps integers and reals apart', () => {
    assert.equal(parse('42'), 42);
    assert.equal(parse('-17'), -17);
    const real = parse('4.');
    assert.ok(real instanceof PdfReal);
    assert.equal(real.value, 4);
    assert.equal((parse('-.002') as PdfReal).value, -0.002);
    assert.equal((parse('+3.25') as PdfReal).value, 3.25);
  });

  it('skips comments between tokens', () => {
    const value = parse('[1 % a comment ] with brackets\n 2]');
    assert.deepEqual(value, [1, 2]);
  });

  it('decodes literal string escapes, octal codes and line continuations', () => {
    assert.equal(str(parse('(a\\nb\\tc\\(d\\)e\\\\f)')), 'a\nb\tc(d)e\\f');
    assert.equal(str(parse('(\\101\\53\\0059)')), 'A+\x059');
    assert.equal(str(parse('(one \\\r\ntwo \\\nthree)')), 'one two three');
    assert.equal(str(parse('(unknown \\q escape)')), 'unknown q escape');
  });

  it('keeps balanced parentheses and reads a bare CR or CR LF in a literal string as LF', () => {
    assert.equal(str(parse('(f(o(o))bar)')), 'f(o(o))bar');
    assert.equal(str(parse('(a\r\nb\rc\nd)')), 'a\nb\nc\nd');
  });

  it('reads hex strings with whitespace and an odd final digit', () => {
    const value = parse('<48 65 6C\n6c 6F7>');
    assert.equal(str(value), 'Hello' + '\x70');
    assert.equal((value as PdfString).hex, true);
  });

  it('decodes #xx escapes in names', () => {
    const name = parse('/A#20B#2fC');
    assert.ok(name instanceof PdfName);
    assert.equal(name.value, 'A B/C');
    assert.equal((parse('/') as PdfName).value, '');
  });

  it('parses nested dictionaries, arrays and references', () => {
    const value = parse('<< /Type /Page /Kids [1 0 R 2 0 R [3 4]] /Sub << /X true /Y null /Z (s) >> /N 5 >>');
    assert.ok(value instanceof PdfDict);
    assert.equal(value.getName('Type'), 'Page');
    const kids = value.get('Kids') as unknown[];
    assert.ok(kids[0] instanceof PdfRef);
    assert.equal((kids[1] as PdfRef).num, 2);
    assert.deepEqual(kids[2], [3, 4]);
    const sub = value.get('Sub') as PdfDict;
    assert.equal(sub.get('X'), true);
    assert.equal(sub.get('Y'), null);
    assert.equal(value.get('N'), 5);
  });

  it('does not take two integers without R for a reference', () => {
    assert.deepEqual(parse('[1 0 2 0 R 7]'), [1, 0, new PdfRef(2, 0), 7]);
  });

  it('parses an indirect object and records where its stream data starts', () => {
    const text = '12 0 obj\n<< /Length 5 >>\nstream\r\nhello\nendstream\nendobj\n';
    const parsed = parseIndirectObject(new Lexer(bytes(text), 100));
    assert.equal(parsed.num, 12);
    assert.equal(parsed.gen, 0);
    assert.equal(parsed.streamOffset, 100 + text.indexOf('hello'));
  });

  it('reports syntax errors with their absolute offset', () => {
    assert.throws(() => parseObject(new Lexer(bytes('<< /A 1 ) >>'), 1000)), (error: unknown) => error instanceof PdfSyntaxError && error.offset === 1008);
    assert.throws(() => parse('<< 1 2 >>'), /expected a name as dictionary key/);
    assert.throws(() => parse('(unterminated'), /unterminated literal string/);
  });

  it('quotes at most 40 characters of what a file spells (a token, a filter name) in an error, control characters escaped', () => {
    // A hostile file's bytes end up in a one-line message on a terminal: an 8 KB hex run that lost
    // its "<" was quoted whole, and an escape sequence reached the terminal as it was.
    const long = 'A1'.repeat(4096);
    assert.throws(() => parse(`<< ${long} 1 >>`), (error: unknown) => {
      assert.ok(error instanceof PdfSyntaxError);
      assert.ok(error.message.length < 160, `${error.message.length} characters: ${error.message.slice(0, 200)}`);
      assert.match(error.message, /found "(A1){20}…" \(8,192 characters\)$/);
      return true;
    });
    assert.throws(() => parse('<< /A 1 \x1bc\x9b31m >>'), (error: unknown) => {
      assert.ok(error instanceof PdfSyntaxError);
      assert.ok([...error.message].every((c) => c.charCodeAt(0) >= 0x20 && (c.charCodeAt(0) < 0x7f || c.charCodeAt(0) > 0x9f)), 'no control character');
      assert.match(error.message, /found "\\x1bc\\x9b31m"$/);
      return true;
    });
    assert.throws(() => parse(`[ /${'N'.repeat(500)} >> ]`), /unexpected ">>"$/);
    assert.throws(() => parse('<12\x9b>'), /invalid character "\\x9b" in a hex string$/);
    // A filter's name, as a file spells it, in the "cannot decode" message.
    assert.throws(() => decodeFilters(Buffer.from('x'), [{ name: `Fl\x1bte${'D'.repeat(5000)}`, params: null }], 'f.pdf'), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.equal(error.message, 'f.pdf uses the Fl\\x1bte' + 'D'.repeat(35) + '… (5,005 characters) filter, which Paraphe cannot decode');
      return true;
    });
  });

  it('asks for more data when a token reaches the end of a partial window', () => {
    assert.throws(() => parseObject(new Lexer(bytes('<< /Count 12'), 0, false)), NeedMoreData);
    assert.equal(parseObject(new Lexer(bytes('12'), 0, true)), 12);
  });

  it('grows the window until a large object is parsed', async () => {
    const big = `1 0 obj\n[${Array.from({ length: 5000 }, (_, i) => i).join(' ')}]\nendobj\n`;
    const parsed = await parseWindowed(bytesSource(bytes(big)), 0, (lx) => parseIndirectObject(lx), 64);
    assert.equal((parsed.object as number[]).length, 5000);
    assert.equal((parsed.object as number[])[4999], 4999);
  });
});

describe('text strings', () => {
  it('decodes UTF-16BE with a byte order mark', () => {
    assert.equal(decodeTextString(Uint8Array.from([0xfe, 0xff, 0x00, 0x53, 0x00, 0xe9, 0xd8, 0x3d, 0xde, 0x00])), 'Sé😀');
  });
  it('decodes UTF-8 with a byte order mark (PDF 2.0)', () => {
    assert.equal(decodeTextString(Uint8Array.from([0xef, 0xbb, 0xbf, ...Buffer.from('Signé')])), 'Signé');
  });
  it('decodes PDFDocEncoding where it differs from Latin-1', () => {
    assert.equal(decodeTextString(Uint8Array.from([0x80, 0x84, 0xa0, 0xe9, 0x41])), '•—€éA');
  });
});

describe('filters', () => {
  it('inflates Flate data and undoes the PNG Up predictor', () => {
    const rows = [[1, 2, 3], [1, 3, 5]];
    const encoded = [2, 1, 2, 3, 2, 0, 1, 2];
    const params = new PdfDict([['Predictor', 12], ['Columns', 3]]);
    const out = decodeFilters(deflateSync(Buffer.from(encoded)), [{ name: 'FlateDecode', params }], 'x.pdf');
    assert.deepEqual([...out], rows.flat());
  });

  it('undoes the PNG Sub, Average and Paeth predictors', () => {
    const params = new PdfDict([['Predictor', 15], ['Columns', 3]]);
    // Row 1 Sub: 10, +5, +5 -> 10 15 20; row 2 Average: 10+(0+10)/2.. ; row 3 Paeth.
    const encoded = [1, 10, 5, 5, 3, 5, 0, 0, 4, 1, 1, 1];
    const out = decodeFilters(deflateSync(Buffer.from(encoded)), [{ name: 'FlateDecode', params }], 'x.pdf');
    // Average row: a=left b=up: 5+(0+10>>1)=10; 0+(10+15>>1)=12; 0+(12+20>>1)=16.
    // Paeth row: i0: left 0 up 10 upleft 0 -> p=10 -> up(10)+1=11; i1: left 11 up 12 ul 10 -> p=13 -> up 12 +1 = 13; i2: left 13 up 16 ul 12 -> p=17 -> up 16 +1 = 17.
    assert.deepEqual([...out], [10, 15, 20, 10, 12, 16, 11, 13, 17]);
  });

  it('inflates data whose Adler-32 checksum is wrong', () => {
    const good = deflateSync(Buffer.from('some stream data'));
    const bad = Buffer.from(good);
    bad.writeUInt32BE(0xdeadbeef, bad.length - 4);
    assert.equal(Buffer.from(decodeFilters(bad, [{ name: 'FlateDecode', params: null }], 'x.pdf')).toString(), 'some stream data');
  });

  it('decodes ASCIIHex, ASCII85 and RunLength', () => {
    const hex = decodeFilters(bytes('48 65 6c 6C 6f>'), [{ name: 'ASCIIHexDecode', params: null }], 'x.pdf');
    assert.equal(Buffer.from(hex).toString(), 'Hello');
    const a85 = decodeFilters(bytes('87cURD]i,"Ebo80~>'), [{ name: 'ASCII85Decode', params: null }], 'x.pdf');
    assert.equal(Buffer.from(a85).toString(), 'Hello World!');
    const zeros = decodeFilters(bytes('z~>'), [{ name: 'A85', params: null }], 'x.pdf');
    assert.deepEqual([...zeros], [0, 0, 0, 0]);
    const rl = decodeFilters(Uint8Array.from([2, 65, 66, 67, 254, 68, 128]), [{ name: 'RunLengthDecode', params: null }], 'x.pdf');
    assert.equal(Buffer.from(rl).toString(), 'ABCDDD');
  });

  it('chains filters in order', () => {
    const data = bytes(Buffer.from(deflateSync(Buffer.from('chained'))).toString('hex') + '>');
    const out = decodeFilters(data, [{ name: 'ASCIIHexDecode', params: null }, { name: 'FlateDecode', params: null }], 'x.pdf');
    assert.equal(Buffer.from(out).toString(), 'chained');
  });

  it('refuses filters it does not implement with an "unsupported" error', () => {
    assert.throws(() => decodeFilters(bytes('x'), [{ name: 'JBIG2Decode', params: null }], 'scan.pdf'), {
      code: 'unsupported',
      message: 'scan.pdf uses the JBIG2Decode filter, which Paraphe cannot decode',
    });
  });
});
