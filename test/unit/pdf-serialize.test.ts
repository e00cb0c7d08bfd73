import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PdfDict, PdfName, PdfRef, PdfStream, PdfString, latin1, latin1Bytes } from '../../main/pdf/objects';
import { Lexer } from '../../main/pdf/lexer';
import { parseObject } from '../../main/pdf/parser';
import { formatName, formatNumber, formatObject, pdfDate, serializeIndirect, textString } from '../../main/pdf/serialize';

describe('serialize', () => {
  it('writes numbers without exponents and keeps integers', () => {
    assert.equal(formatNumber(12), '12');
    assert.equal(formatNumber(0.5), '0.5');
    assert.equal(formatNumber(1e-7), '0');
    assert.equal(formatNumber(-0.0000001), '0');
    assert.equal(formatNumber(123456789.125), '123456789.125');
    assert.throws(() => formatNumber(Number.NaN));
  });

  it('escapes names outside the regular characters', () => {
    assert.equal(formatName('Sig'), '/Sig');
    assert.equal(formatName('A B#(x)'), '/A#20B#23#28x#29');
  });

  it('escapes literal strings so that they read back identically', () => {
    const bytes = latin1Bytes('a(b)c\\d\n\r\x00\xff');
    const text = formatObject(new PdfString(bytes));
    assert.equal(text, '(a\\(b\\)c\\\\d\\n\\r\\000\\377)');
  });

  it('writes non-ASCII text strings as UTF-16BE with a byte order mark', () => {
    const s = textString('Élodie');
    assert.deepEqual([...s.bytes.subarray(0, 4)], [0xfe, 0xff, 0x00, 0xc9]);
    assert.equal(s.text(), 'Élodie');
    assert.equal(latin1(textString('Plain').bytes), 'Plain');
  });

  it('writes dictionaries, arrays and references that the reader parses back', () => {
    const dict = new PdfDict([
      ['Type', new PdfName('Annot')],
      ['Rect', [0, 0.5, 100, 200.25]],
      ['P', new PdfRef(12, 0)],
      ['T', new PdfString(latin1Bytes('Signature1'))],
      ['Contents', new PdfString(new Uint8Array([0, 1, 254]), true)],
    ]);
    const text = formatObject(dict);
    assert.equal(text, '<</Type /Annot/Rect [0 0.5 100 200.25]/P 12 0 R/T (Signature1)/Contents <0001FE>>>');
    const parsed = parseObject(new Lexer(latin1Bytes(text)));
    assert.ok(parsed instanceof PdfDict);
    assert.equal(formatObject(parsed), text);
  });

  it('writes a stream with its length', () => {
    const out = latin1(serializeIndirect(new PdfRef(5, 0), PdfStream.fromBytes(new PdfDict([['Type', new PdfName('XObject')]]), latin1Bytes('q Q'))));
    assert.equal(out, '5 0 obj\n<</Type /XObject/Length 3>>\nstream\nq Q\nendstream\nendobj\n');
  });

  it('formats dates in UTC', () => {
    assert.equal(pdfDate(new Date(Date.UTC(2026, 10, 22, 9, 5, 7))), 'D:20261122090507Z');
  });
});
