// The signature appearance builder: layout (font size, wrapping, image box), the embedded font
// subset (Type0/CIDFontType2, /W, ToUnicode), and the image XObjects (PNG with alpha, JPEG).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { inflateSync } from 'node:zlib';
import { create } from 'fontkit';
import { PNG } from 'pngjs';
import { appearanceParagraphs, buildSignatureAppearance, layoutAppearance, MAX_FONT_SIZE, MIN_FONT_SIZE } from '../../main/pdf/appearance';
import type { AppearanceLayout, SignatureAppearanceOptions } from '../../main/pdf/appearance';
import { isPdfError } from '../../main/pdf/errors';
import { loadAppearanceFont } from '../../main/pdf/font';
import { detectImageFormat, embedImage, readJpegInfo } from '../../main/pdf/image';
import { PdfDict, PdfReal, PdfRef, PdfStream, latin1 } from '../../main/pdf/objects';
import type { PdfObject, PdfString } from '../../main/pdf/objects';

const FONT = readFileSync(new URL('../../assets/fonts/DejaVuSans.ttf', import.meta.url));
const font = loadAppearanceFont(FONT);
const DATE = '2026-11-22 23:58 UTC';

/** Collects what the builder adds, numbering objects from 1 as a writer would. */
class Objects {
  readonly list: PdfObject[] = [];
  add = (obj: PdfObject): PdfRef => {
    this.list.push(obj);
    return new PdfRef(this.list.length, 0);
  };
  get(ref: PdfObject | undefined): PdfObject {
    assert.ok(ref instanceof PdfRef, `expected a reference, got ${String(ref)}`);
    const obj = this.list[ref.num - 1];
    assert.ok(obj !== undefined, `no object ${ref.num}`);
    return obj;
  }
  dict(ref: PdfObject | undefined): PdfDict {
    const obj = this.get(ref);
    const dict = obj instanceof PdfStream ? obj.dict : obj;
    assert.ok(dict instanceof PdfDict, `object ${String(ref)} is not a dictionary`);
    return dict;
  }
  stream(ref: PdfObject | undefined): PdfStream {
    const obj = this.get(ref);
    assert.ok(obj instanceof PdfStream && obj.bytes, `object ${String(ref)} is not an in-memory stream`);
    return obj;
  }
  /** A stream's data, inflated when it is FlateDecode. */
  data(ref: PdfObject | undefined): Uint8Array {
    const stream = this.stream(ref);
    const bytes = stream.bytes as Uint8Array;
    return stream.dict.getName('Filter') === 'FlateDecode' ? new Uint8Array(inflateSync(bytes)) : bytes;
  }
}

function build(options: Partial<SignatureAppearanceOptions> & { name?: string; reason?: string; location?: string } = {}) {
  const objects = new Objects();
  const ref = buildSignatureAppearance(objects.add, {
    width: options.width ?? 200,
    height: options.height ?? 60,
    font: FONT,
    text: options.text ?? { name: options.name ?? 'Élodie Signataire', date: DATE, reason: options.reason, location: options.location },
    image: options.image,
  });
  const form = objects.dict(ref);
  const fontRef = (form.get('Resources') as PdfDict).get('Font') as PdfDict;
  const type0 = objects.dict(fontRef.get('F1'));
  const cidFont = objects.dict((type0.get('DescendantFonts') as PdfObject[])[0]);
  const descriptor = objects.dict(cidFont.get('FontDescriptor'));
  return { objects, ref, form, type0, cidFont, descriptor, content: latin1(objects.data(ref)) };
}

/** The ToUnicode CMap's bfchar entries: CID -> text. */
function toUnicode(objects: Objects, type0: PdfDict): Map<number, string> {
  const cmap = latin1(objects.data(type0.get('ToUnicode')));
  const map = new Map<number, string>();
  for (const [, cid, hex] of cmap.matchAll(/<([0-9A-F]{4})> <([0-9A-F]+)>/g)) {
    const units = (hex as string).match(/.{4}/g)?.map((u) => parseInt(u, 16)) ?? [];
    map.set(parseInt(cid as string, 16), String.fromCharCode(...units));
  }
  return map;
}

/** The text of each line the content stream shows, decoded through the ToUnicode CMap. */
function shownLines(content: string, unicode: Map<number, string>): string[] {
  const lines: string[] = [];
  for (const op of content.split('\n')) {
    if (/ Td$/.test(op)) lines.push('');
    if (!/ TJ$/.test(op)) continue;
    for (const [, hex] of op.matchAll(/<([0-9A-F]*)>/g)) {
      for (const cid of (hex as string).match(/.{4}/g) ?? []) {
        const text = unicode.get(parseInt(cid, 16));
        assert.ok(text !== undefined, `CID ${cid} has no ToUnicode entry`);
        lines[lines.length - 1] += text;
      }
    }
  }
  return lines;
}

function fitsBox(layout: AppearanceLayout): boolean {
  const { ascent, descent } = font.metrics;
  const block = (layout.lines.length - 1) * layout.leading + ((ascent - descent) * layout.fontSize) / 1000;
  return block <= layout.textBox.height + 1e-9 && layout.lines.every((l) => (l.width * layout.fontSize) / 1000 <= layout.textBox.width + 1e-9);
}

function png(width: number, height: number, pixel: (x: number, y: number) => [number, number, number, number], options: { colorType?: 0 | 2 | 4 | 6 } = {}): Uint8Array {
  const image = new PNG({ width, height });
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const [r, g, b, a] = pixel(x, y);
      image.data.set([r, g, b, a], (y * width + x) * 4);
    }
  const colorType = options.colorType ?? 6;
  return new Uint8Array(PNG.sync.write(image, { colorType, inputHasAlpha: true }));
}

/** A JPEG's markers up to the scan: only the header is read, the rest is passed through as it is. */
function jpegHeader(options: { sof?: number; width?: number; height?: number; components?: number; precision?: number; adobe?: boolean } = {}): Uint8Array {
  const components = options.components ?? 3;
  const sofLength = 8 + 3 * components;
  const bytes = [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, ...Buffer.from('JFIF\0'), 1, 1, 0, 0, 72, 0, 72, 0, 0];
  if (options.adobe) bytes.push(0xff, 0xee, 0x00, 0x0e, ...Buffer.from('Adobe'), 0, 100, 0, 0, 0, 0, 2);
  const w = options.width ?? 32;
  const h = options.height ?? 16;
  bytes.push(0xff, options.sof ?? 0xc0, 0, sofLength, options.precision ?? 8, h >> 8, h & 255, w >> 8, w & 255, components);
  for (let c = 1; c <= components; c++) bytes.push(c, 0x11, 0);
  bytes.push(0xff, 0xda, 0x00, 0x08, 1, 1, 0, 0, 0x3f, 0, 0x12, 0x34, 0xff, 0xd9);
  return new Uint8Array(bytes);
}

describe('signature appearance layout', () => {
  const box = { width: 200, height: 50 };

  it('uses the largest font size, 14 pt, when the text has room', () => {
    const layout = layoutAppearance(font, { width: 400, height: 200 }, appearanceParagraphs({ name: 'Zoé', date: DATE }));
    assert.equal(layout.fontSize, MAX_FONT_SIZE);
    assert.ok(layout.fits, 'the text fits');
  });

  it('picks a smaller font for longer text, and wraps it at word boundaries', () => {
    const short = layoutAppearance(font, box, appearanceParagraphs({ name: 'Zoé Roy', date: DATE }));
    const longText = { name: 'Marie-Christine de La Tour d’Auvergne', date: DATE, reason: 'I have read and approve the terms of this agreement and its three annexes', location: 'Saint-Rémy-de-Provence, France' };
    const long = layoutAppearance(font, box, appearanceParagraphs(longText));
    assert.ok(long.fontSize < short.fontSize, `${long.fontSize} should be below ${short.fontSize}`);
    assert.ok(long.fontSize >= MIN_FONT_SIZE, `size ${long.fontSize}`);
    assert.ok(long.fits && fitsBox(long), 'the long text fits the box');
    assert.ok(long.lines.length > appearanceParagraphs(longText).length, 'some paragraph should wrap');
    const words = new Set(Object.values(longText).flatMap((v) => v.split(' ')));
    for (const line of long.lines) for (const word of line.text.split(' ')) assert.ok(words.has(word) || /^(Digitally|signed|by|Date:|Reason:|Location:)$/.test(word), `"${word}" is not a whole word`);
  });

  it('keeps the label and the name on one line when they fit, else starts the name on its own line', () => {
    const wide = layoutAppearance(font, { width: 400, height: 60 }, appearanceParagraphs({ name: 'Зоя Петрова', date: DATE }));
    assert.equal(wide.lines[0]?.text, 'Digitally signed by Зоя Петрова');
    const narrow = layoutAppearance(font, { width: 120, height: 80 }, appearanceParagraphs({ name: 'Σωκράτης Παπαδόπουλος', date: DATE }));
    assert.equal(narrow.lines[0]?.text, 'Digitally signed by');
    assert.match(narrow.lines[1]?.text ?? '', /^Σωκράτης/);
  });

  it('breaks a word longer than the line', () => {
    const word = 'Wolfeschlegelsteinhausenbergerdorffvoralternwarengewissenhaftschaferswessenschafewarenwohlgepflegeundsorgfaltigkeitbeschutzenvonangreifendurch';
    const layout = layoutAppearance(font, { width: 90, height: 200 }, [[word]]);
    assert.ok(layout.lines.length > 1, 'the word is broken');
    assert.equal(layout.lines.map((l) => l.text).join(''), word);
    for (const line of layout.lines) assert.ok((line.width * layout.fontSize) / 1000 <= layout.textBox.width + 1e-9, `"${line.text}" is wider than the box`);
  });

  it('shrinks the font rather than break a word that fits a line at a smaller size', () => {
    const layout = layoutAppearance(font, { width: 100, height: 60 }, appearanceParagraphs({ name: 'Wolfeschlegelsteinhausen Bergerdorff', date: DATE }));
    assert.ok(layout.fits, 'fits');
    assert.ok(layout.lines.some((l) => l.text.split(' ').includes('Wolfeschlegelsteinhausen')), layout.lines.map((l) => l.text).join(' | '));
  });

  it('keeps the date on one line, with plain spaces', () => {
    const layout = layoutAppearance(font, { width: 160, height: 70 }, appearanceParagraphs({ name: 'Σωκράτης Παπαδόπουλος', date: DATE, reason: 'Έγκριση' }));
    const texts = layout.lines.map((l) => l.text);
    assert.ok(texts.includes(`Date: ${DATE}`) || texts.includes(DATE), texts.join(' | '));
    const spaces = layout.lines.flatMap((l) => l.glyphs).filter((g) => g.codePoints.includes(0xa0));
    assert.equal(spaces.length, 0, 'no no-break space is drawn');
  });

  it('floors the font size at 4 pt and top-aligns the text when nothing fits', () => {
    const layout = layoutAppearance(font, { width: 40, height: 8 }, appearanceParagraphs({ name: 'Élodie Signataire', date: DATE, reason: 'Approval', location: 'Lyon' }));
    assert.equal(layout.fontSize, MIN_FONT_SIZE);
    assert.equal(layout.fits, false);
    assert.ok(Math.abs(layout.firstBaseline + (font.metrics.ascent * MIN_FONT_SIZE) / 1000 - (layout.textBox.y + layout.textBox.height)) < 1e-9, 'the first line touches the top of the box');
  });

  it('puts the image on the left third, keeping its aspect ratio, and the text on the rest', () => {
    const layout = layoutAppearance(font, { width: 300, height: 90 }, appearanceParagraphs({ name: 'Zoé', date: DATE }), { width: 400, height: 100 });
    const image = layout.imageBox;
    assert.ok(image, 'an image box');
    assert.ok(image.x >= 0 && image.x + image.width <= 100 + 1e-9, `image x ${image.x} width ${image.width}`);
    assert.ok(image.y >= 0 && image.y + image.height <= 90, `image y ${image.y} height ${image.height}`);
    assert.ok(Math.abs(image.width / image.height - 4) < 1e-9, 'aspect ratio kept');
    assert.ok(layout.textBox.x >= 100, `text starts at ${layout.textBox.x}`);
    assert.ok(layout.textBox.x + layout.textBox.width <= 300, 'text ends inside the box');
  });

  it('puts each line of a reason on its own line and control characters become spaces', () => {
    assert.deepEqual(appearanceParagraphs({ name: 'A\tB', date: 'D', reason: 'one\ntwo', labels: { signedBy: 'Signé par', date: 'Le', reason: 'Motif', location: 'Lieu' } }), [['Signé par', 'A B'], ['Le: D'], ['Motif: one'], ['two']]);
  });

  it('draws consecutive right-to-left words in reverse order', () => {
    const layout = layoutAppearance(font, { width: 400, height: 60 }, [['דוד לוי']]);
    const glyphText = (layout.lines[0]?.glyphs ?? []).map((g) => String.fromCodePoint(...g.codePoints)).join('');
    assert.equal(glyphText, [...'דוד לוי'].reverse().join(''));
  });
});

describe('signature appearance XObject', () => {
  it('is a Form XObject with the rectangle as its BBox and the font in its resources', () => {
    const { form, content } = build({ width: 180.5, height: 50 });
    assert.equal(form.getName('Type'), 'XObject');
    assert.equal(form.getName('Subtype'), 'Form');
    const bbox = form.get('BBox') as PdfObject[];
    assert.deepEqual(bbox.slice(0, 2), [0, 0]);
    assert.ok(bbox[2] instanceof PdfReal && bbox[2].value === 180.5, `BBox width ${String(bbox[2])}`);
    assert.equal(bbox[3], 50);
    const resources = form.get('Resources') as PdfDict;
    assert.ok((resources.get('Font') as PdfDict).get('F1') instanceof PdfRef);
    assert.equal(resources.get('XObject'), undefined, 'no image, no XObject resource');
    assert.ok(content.startsWith('q\n0 0 180.5 50 re W n\n'), 'the content clips to the BBox first');
    assert.match(content, /\/F1 [\d.]+ Tf/);
  });

  it('refuses a rectangle without area', () => {
    assert.throws(() => build({ width: 0, height: 50 }), RangeError);
    assert.throws(() => build({ width: 100, height: Number.NaN }), RangeError);
  });

  it('embeds a Type0 font with Identity-H over a CIDFontType2 with an identity CIDToGIDMap', () => {
    const { type0, cidFont, descriptor, objects } = build();
    assert.equal(type0.getName('Subtype'), 'Type0');
    assert.equal(type0.getName('Encoding'), 'Identity-H');
    assert.equal(cidFont.getName('Subtype'), 'CIDFontType2');
    assert.equal(cidFont.getName('CIDToGIDMap'), 'Identity');
    const info = cidFont.get('CIDSystemInfo') as PdfDict;
    assert.equal((info.get('Ordering') as PdfString).latin1(), 'Identity');
    assert.equal(descriptor.getName('Type'), 'FontDescriptor');
    for (const key of ['Flags', 'FontBBox', 'ItalicAngle', 'Ascent', 'Descent', 'CapHeight', 'StemV']) assert.ok(descriptor.has(key), `FontDescriptor lacks /${key}`);
    const fontFile = objects.stream(descriptor.get('FontFile2'));
    assert.equal(fontFile.dict.getName('Filter'), 'FlateDecode');
    assert.equal(fontFile.dict.get('Length1'), objects.data(descriptor.get('FontFile2')).length);
  });

  it('names the font with a six-letter subset tag, the same for the same glyphs', () => {
    const a = build().type0.getName('BaseFont') ?? '';
    assert.match(a, /^[A-Z]{6}\+DejaVuSans$/);
    assert.equal(build().cidFont.getName('BaseFont'), a);
    assert.equal(build().descriptor.getName('FontName'), a);
    assert.notEqual(build({ name: 'Зоя' }).type0.getName('BaseFont'), a);
  });

  it('embeds a subset holding only the glyphs used, far smaller than the font', () => {
    const { objects, descriptor, cidFont, type0 } = build({ name: 'Σωκράτης', reason: 'OK' });
    const program = objects.data(descriptor.get('FontFile2'));
    assert.ok(program.length < FONT.length / 50, `subset is ${program.length} bytes, the font ${FONT.length}`);
    const subset = create(Buffer.from(program));
    assert.ok('numGlyphs' in subset, 'the subset parses as a font');
    const used = toUnicode(objects, type0).size; // .notdef + one CID per glyph drawn
    const characters = new Set(`Digitally signed by ΣωκράτηςDate: ${DATE}Reason: OK`.replace(/ /g, '')).size + 1; // + space
    assert.ok(used <= characters + 1, `${used} CIDs for ${characters} characters`);
    // A composite glyph brings its components along, and nothing else is added.
    assert.ok(subset.numGlyphs >= used && subset.numGlyphs <= used + 10, `${subset.numGlyphs} glyphs in the subset`);
    const widths = cidFont.get('W') as [number, number[]];
    assert.equal(widths[0], 0);
    assert.equal(widths[1].length, used);
    // Widths are the subset's advance widths in thousandths of an em.
    widths[1].forEach((w, cid) => assert.equal(w, Math.round((subset.getGlyph(cid).advanceWidth * 1000) / subset.unitsPerEm), `width of CID ${cid}`));
  });

  it('maps every glyph drawn back to its characters through ToUnicode (Latin, Greek, Cyrillic, ligatures)', () => {
    for (const name of ['Élodie Signataire', 'Łukasz Żółć', 'Σωκράτης Παπαδόπουλος', 'Зоя Космодемьянская', 'Officier Fiffi']) {
      const { objects, type0, content } = build({ width: 400, height: 80, name, reason: 'Final approval', location: 'Genève' });
      const lines = shownLines(content, toUnicode(objects, type0));
      assert.deepEqual(lines, [`Digitally signed by ${name}`, `Date: ${DATE}`, 'Reason: Final approval', 'Location: Genève']);
    }
  });

  it('keeps ToUnicode right for glyphs an earlier subset met as parts of composite glyphs', () => {
    // Ż is drawn from Z and a capital dot above: subsetting it must not leave those glyphs without
    // their characters for the appearances built later with the same (cached) font.
    build({ width: 400, name: 'Ż Ė Ṡ Ȧ' });
    const { objects, type0, content } = build({ width: 400, name: 'Zoe Q\u0307 S E A' });
    assert.equal(shownLines(content, toUnicode(objects, type0))[0], 'Digitally signed by Zoe Q\u0307 S E A');
  });

  it('shows ligatures as one glyph mapped to several characters', () => {
    const { objects, type0 } = build({ name: 'fine office' });
    assert.ok([...toUnicode(objects, type0).values()].some((text) => text.length > 1), 'DejaVu Sans has fi/ffi ligatures');
  });

  const firstLine = (content: string) => content.split('\n').find((op) => op.endsWith(' TJ')) ?? '';

  it('writes the font kerning as TJ adjustments', () => {
    assert.doesNotMatch(firstLine(build({ width: 400, name: 'Zoé' }).content), /> -?\d+ </);
    assert.match(firstLine(build({ width: 400, name: 'AVAWAY' }).content), /> -?\d+ </);
  });

  it('draws characters missing from the font (DejaVu Sans has no CJK) as .notdef, extracted as U+FFFD', () => {
    const { objects, type0, content } = build({ width: 400, name: '王小明' });
    const unicode = toUnicode(objects, type0);
    assert.equal(unicode.get(0), '\ufffd');
    assert.equal(shownLines(content, unicode)[0], 'Digitally signed by \ufffd\ufffd\ufffd');
  });

  it('places combining marks with the font’s mark positioning (TJ offsets and text rise)', () => {
    // Q + U+0307 has no precomposed form: DejaVu's GPOS moves the dot left and up over the capital.
    const { objects, type0, content } = build({ width: 400, name: 'Q\u0307uinn' });
    assert.equal(shownLines(content, toUnicode(objects, type0))[0], 'Digitally signed by Q\u0307uinn');
    const line = content.slice(content.indexOf('Td\n') + 3, content.indexOf('\n0 -'));
    // Raised, shifted left by its x offset (a positive TJ number), then the pen moves back.
    assert.match(line, /^[\d.]+ Ts\n\[\d+ <[0-9A-F]{4}>\] TJ\n0 Ts\n\[-\d+ <[0-9A-F]+>\] TJ$/m, line);
  });
});

describe('signature appearance images', () => {
  const withImage = (bytes: Uint8Array) => build({ image: { bytes } });
  const imageOf = (built: ReturnType<typeof build>) => {
    const xobjects = (built.form.get('Resources') as PdfDict).get('XObject') as PdfDict;
    const ref = xobjects.get('Im1');
    return { ref, dict: built.objects.dict(ref), data: built.objects.data(ref) };
  };

  it('tells PNG and JPEG apart by their first bytes', () => {
    assert.equal(detectImageFormat(png(1, 1, () => [0, 0, 0, 255])), 'png');
    assert.equal(detectImageFormat(jpegHeader()), 'jpeg');
    assert.equal(detectImageFormat(new TextEncoder().encode('GIF89a')), null);
  });

  it('draws the image with Do in the left third', () => {
    const built = withImage(png(20, 10, () => [0, 0, 255, 255]));
    assert.match(built.content, /^q\n[\d.]+ 0 0 [\d.]+ [\d.]+ [\d.]+ cm\n\/Im1 Do\nQ$/m);
    const [, w, , x] = /^([\d.]+) 0 0 ([\d.]+) ([\d.]+) ([\d.]+) cm$/m.exec(built.content) ?? [];
    assert.ok(Number(x) + Number(w) <= 200 / 3 + 0.001, `image from ${x} width ${w}`);
  });

  it('turns a PNG with alpha into RGB samples and an /SMask of the alpha channel', () => {
    const pixel = (x: number, y: number): [number, number, number, number] => [x * 10, y * 20, 7, x < 5 ? 0 : 128 + y];
    const built = withImage(png(10, 4, pixel));
    const image = imageOf(built);
    assert.equal(image.dict.getName('Subtype'), 'Image');
    assert.equal(image.dict.getName('ColorSpace'), 'DeviceRGB');
    assert.equal(image.dict.get('BitsPerComponent'), 8);
    assert.deepEqual([image.dict.get('Width'), image.dict.get('Height')], [10, 4]);
    assert.equal(image.data[3 * 13], 30, 'red of pixel (3,1)');
    const smask = built.objects.dict(image.dict.get('SMask'));
    assert.equal(smask.getName('ColorSpace'), 'DeviceGray');
    const alpha = built.objects.data(image.dict.get('SMask'));
    assert.equal(alpha.length, 40);
    assert.equal(alpha[0], 0);
    assert.equal(alpha[4 * 10 - 1], 128 + 3);
  });

  it('writes an opaque PNG without an /SMask, and a gray one as DeviceGray', () => {
    const rgb = imageOf(withImage(png(3, 3, () => [1, 2, 3, 255], { colorType: 2 })));
    assert.equal(rgb.dict.get('SMask'), undefined);
    assert.deepEqual([...rgb.data.subarray(0, 3)], [1, 2, 3]);
    const gray = imageOf(withImage(png(3, 3, () => [90, 90, 90, 255], { colorType: 0 })));
    assert.equal(gray.dict.getName('ColorSpace'), 'DeviceGray');
    assert.equal(gray.data.length, 9);
    assert.equal(gray.data[0], 90);
  });

  it('passes a JPEG through unchanged as DCTDecode, sized from its SOF header', () => {
    const jpeg = jpegHeader({ width: 640, height: 480, components: 3 });
    const image = imageOf(withImage(jpeg));
    assert.equal(image.dict.getName('Filter'), 'DCTDecode');
    assert.deepEqual(image.data, jpeg);
    assert.deepEqual([image.dict.get('Width'), image.dict.get('Height'), image.dict.getName('ColorSpace')], [640, 480, 'DeviceRGB']);
  });

  it('reads progressive, gray and Adobe CMYK JPEGs (the last with an inverted /Decode)', () => {
    assert.deepEqual(readJpegInfo(jpegHeader({ sof: 0xc2, width: 3, height: 2, components: 1 })), { width: 3, height: 2, components: 1, adobe: false });
    const objects = new Objects();
    const cmyk = embedImage(objects.add, jpegHeader({ components: 4, adobe: true }));
    const dict = objects.dict(cmyk.ref);
    assert.equal(dict.getName('ColorSpace'), 'DeviceCMYK');
    assert.deepEqual(dict.get('Decode'), [1, 0, 1, 0, 1, 0, 1, 0]);
  });

  it('refuses bytes that are neither PNG nor JPEG', () => {
    for (const bytes of [new TextEncoder().encode('GIF89a\x01\x00\x01\x00'), new TextEncoder().encode('%PDF-1.7'), new Uint8Array(0)]) {
      assert.throws(() => withImage(bytes), (error: unknown) => isPdfError(error, 'unsupported') && /PNG or JPEG/.test(error.message));
    }
  });

  it('refuses damaged PNGs and JPEGs, and JPEGs that PDF readers may not display', () => {
    const truncated = png(8, 8, () => [0, 0, 0, 255]).subarray(0, 40);
    assert.throws(() => withImage(truncated), (error: unknown) => isPdfError(error, 'malformed') && /damaged PNG/.test(error.message));
    assert.throws(() => withImage(jpegHeader().subarray(0, 24)), (error: unknown) => isPdfError(error, 'malformed') && /damaged JPEG/.test(error.message));
    assert.throws(() => withImage(jpegHeader({ sof: 0xc3 })), (error: unknown) => isPdfError(error, 'unsupported') && /lossless/.test(error.message));
    assert.throws(() => withImage(jpegHeader({ precision: 12 })), (error: unknown) => isPdfError(error, 'unsupported') && /12-bit/.test(error.message));
  });
});

describe('appearance font', () => {
  it('refuses bytes that are not a TrueType font', () => {
    assert.throws(() => loadAppearanceFont(new TextEncoder().encode('not a font at all')), (error: unknown) => isPdfError(error, 'unsupported'));
  });

  it('parses a font once for buffers with the same bytes', () => {
    assert.equal(loadAppearanceFont(new Uint8Array(FONT)), font);
  });
});
