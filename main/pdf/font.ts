// Embeds a subset of a TrueType font for signature appearances (ISO 32000-2, 9.7 and 9.10):
// a Type0 font with Identity-H encoding over a CIDFontType2 whose CIDs are the subset's glyph ids
// (/CIDToGIDMap /Identity), /W widths, a /FontDescriptor with /FontFile2, and a /ToUnicode CMap
// so that text extraction and search give back the characters.
//
// fontkit does the font work: parsing, shaping (GSUB ligatures, GPOS kerning and mark placement,
// right-to-left words) and subsetting. Nothing here reads TrueType tables by hand.
//
// Coverage: whatever the font has. The bundled DejaVu Sans covers Latin, Greek, Cyrillic, Armenian,
// Georgian, Hebrew, Arabic and more, but no CJK: a character missing from the font is drawn as
// the .notdef glyph (an empty box) and extracts as U+FFFD.
import { deflateSync } from 'node:zlib';
import { create } from 'fontkit';
import type { Font, Glyph } from 'fontkit';
import { PdfError } from './errors';
import { msg } from '../errors';
import { PdfStream } from './objects';
import type { PdfObject, PdfRef } from './objects';
import { byteString, name, pdfDict } from './serialize';

/** One glyph of shaped text; lengths in thousandths of an em (PDF glyph space). */
export interface ShapedGlyph {
  /** Glyph id in the full font. */
  readonly gid: number;
  /** The glyph's own advance, as written in /W (integer). */
  readonly width: number;
  /** Where the pen goes after the glyph: its width plus kerning (integer). */
  readonly advance: number;
  /** Offsets from the pen position (marks over their base glyph). */
  readonly xOffset: number;
  readonly yOffset: number;
  /** The characters the glyph stands for (several for a ligature). */
  readonly codePoints: readonly number[];
  /** A zero-advance mark: a line is never broken before it. */
  readonly mark: boolean;
}

/** Shaped text: glyphs in visual order and their total advance (thousandths of an em). */
export interface ShapedRun {
  readonly glyphs: readonly ShapedGlyph[];
  readonly rtl: boolean;
  readonly width: number;
}

/** Vertical metrics in thousandths of an em. */
export interface FontMetrics {
  readonly ascent: number;
  readonly descent: number; // negative
  readonly lineGap: number;
}

// What fontkit's subset really does: @types/fontkit declares includeGlyph as returning a boolean,
// while fontkit returns the glyph's id in the subset (its CID here).
interface GlyphSubset {
  includeGlyph(glyph: number | Glyph): number;
  encode(): Uint8Array;
}

// fontkit parses these tables but @types/fontkit does not declare them.
interface FontTables {
  directory: { tables: Record<string, unknown> };
  head: { macStyle: { italic: boolean } };
  post: { isFixedPitch: number };
}

/**
 * A parsed font, ready to shape text. Parsing is cached per font buffer (see loadAppearanceFont).
 *
 * Two fontkit instances over the same bytes: fontkit caches one Glyph object per glyph id, with the
 * code points of the first call that asked for it, and layout reads them from that cache. Subsetting
 * asks for glyphs (composite parts among them) with no code points, so sharing one instance would
 * leave later layouts with glyphs that map to no character (no ToUnicode entry). The instance that
 * lays out text is only ever asked for glyphs with their characters.
 */
export class AppearanceFont {
  readonly metrics: FontMetrics;
  private readonly scale: number;

  constructor(
    /** Shapes text; nothing else touches its glyph cache. */
    readonly font: Font,
    /** Reads glyphs for subsets and metrics. */
    readonly subsetSource: Font,
  ) {
    this.scale = 1000 / font.unitsPerEm;
    this.metrics = {
      ascent: Math.round(font.ascent * this.scale),
      descent: Math.round(font.descent * this.scale),
      lineGap: Math.round(font.lineGap * this.scale),
    };
  }

  /** PostScript name without characters a PDF name would have to escape. */
  get postscriptName(): string {
    return (this.font.postscriptName || 'Font').replace(/[^A-Za-z0-9_.-]/g, '') || 'Font';
  }

  /**
   * Shapes one run of text (a word): NFC-normalized, laid out by fontkit with the font's default
   * features. A right-to-left run (Arabic, Hebrew script) comes back in visual order.
   */
  shape(text: string): ShapedRun {
    const run = this.font.layout(text.normalize('NFC'));
    const glyphs: ShapedGlyph[] = [];
    run.glyphs.forEach((glyph, i) => {
      const pos = run.positions[i];
      const width = this.toUnits(glyph.advanceWidth);
      glyphs.push({
        gid: glyph.id,
        width,
        advance: pos ? this.toUnits(pos.xAdvance) : width,
        xOffset: pos ? this.toUnits(pos.xOffset) : 0,
        yOffset: pos ? Math.round(pos.yOffset * this.scale) : 0,
        codePoints: glyph.codePoints.length > 0 || glyph.id === 0 ? glyph.codePoints : this.codePointsOf(glyph.id),
        mark: glyph.isMark || (pos !== undefined && pos.xAdvance === 0),
      });
    });
    return { glyphs, rtl: run.direction === 'rtl', width: glyphs.reduce((sum, g) => sum + g.advance, 0) };
  }

  /** A safety net: the characters the font's cmap maps to a glyph (the first of them). */
  private codePointsOf(gid: number): number[] {
    const text = this.subsetSource.stringsForGlyph(gid)[0];
    return text ? Array.from(text, (c) => c.codePointAt(0) ?? 0xfffd) : [0xfffd];
  }

  /** Starts a subset for one appearance. */
  subset(): FontSubset {
    return new FontSubset(this);
  }

  toUnits(fontUnits: number): number {
    return Math.round(fontUnits * this.scale);
  }
}

const fontsByBuffer = new WeakMap<Uint8Array, AppearanceFont>();
const fontsByContent = new Map<string, AppearanceFont>();

/**
 * Parses TrueType bytes with fontkit. Parsing and fontkit's first layout take tens of
 * milliseconds, so fonts are cached: by buffer identity, then by content (a caller that reads the
 * font file for each signature of a batch still parses it once).
 */
export function loadAppearanceFont(bytes: Uint8Array): AppearanceFont {
  const known = fontsByBuffer.get(bytes);
  if (known) return known;
  const key = `${bytes.length}:${fnv1a(bytes).toString(16)}`;
  let font = fontsByContent.get(key);
  if (!font) {
    font = new AppearanceFont(parseTrueType(bytes), parseTrueType(bytes));
    if (fontsByContent.size >= 4) fontsByContent.delete(fontsByContent.keys().next().value as string);
    fontsByContent.set(key, font);
  }
  fontsByBuffer.set(bytes, font);
  return font;
}

function parseTrueType(bytes: Uint8Array): Font {
  let parsed: ReturnType<typeof create>;
  try {
    parsed = create(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    throw new PdfError('unsupported', msg('error.pdf.font-unreadable'), { cause: error });
  }
  if (!('unitsPerEm' in parsed) || parsed.type !== 'TTF') throw new PdfError('unsupported', msg('error.pdf.font-not-single-ttf'));
  // FontFile2 holds TrueType outlines only; CFF-flavoured OpenType would need FontFile3.
  const tables = (parsed as unknown as FontTables).directory.tables;
  if (!('glyf' in tables) || !('loca' in tables)) throw new PdfError('unsupported', msg('error.pdf.font-not-glyf'));
  const fsType = parsed['OS/2']?.fsType;
  if (fsType?.noEmbedding || fsType?.noSubsetting) throw new PdfError('unsupported', msg('error.pdf.font-licence'));
  return parsed;
}

/**
 * The glyphs one appearance uses. `cid` registers a glyph and gives its code in the content
 * stream; `write` encodes the subset and adds the font objects.
 */
export class FontSubset {
  private readonly subset: GlyphSubset;
  /** Index = CID (= subset glyph id); the glyph's /W width and the text it stands for. */
  private readonly used: { width: number; text: string; gid: number }[] = [];

  constructor(private readonly font: AppearanceFont) {
    this.subset = font.subsetSource.createSubset() as unknown as GlyphSubset;
    // fontkit puts .notdef at subset glyph 0; it stands for characters the font lacks.
    this.used.push({ width: font.toUnits(font.subsetSource.getGlyph(0).advanceWidth), text: '\ufffd', gid: 0 });
  }

  /** The CID (2-byte code under Identity-H) of a shaped glyph. */
  cid(glyph: ShapedGlyph): number {
    const cid = this.subset.includeGlyph(glyph.gid);
    if (cid === this.used.length) this.used.push({ width: glyph.width, text: glyph.gid === 0 ? '\ufffd' : String.fromCodePoint(...glyph.codePoints), gid: glyph.gid });
    return cid;
  }

  /** Glyph ids of the full font that the subset holds (for tests and the subset tag). */
  get glyphIds(): number[] {
    return this.used.map((u) => u.gid);
  }

  /** Adds FontFile2, FontDescriptor, CIDFont, ToUnicode and the Type0 font; returns the Type0's ref. */
  write(add: (obj: PdfObject) => PdfRef): PdfRef {
    const font = this.font.subsetSource;
    const program = this.subset.encode();
    const baseFont = `${subsetTag(this.glyphIds)}+${this.font.postscriptName}`;

    const fontFile = add(PdfStream.fromBytes(pdfDict({ Length1: program.length, Filter: name('FlateDecode') }), deflateSync(program)));
    const descriptor = add(
      pdfDict({
        Type: name('FontDescriptor'),
        FontName: name(baseFont),
        Flags: descriptorFlags(font),
        FontBBox: [font.bbox.minX, font.bbox.minY, font.bbox.maxX, font.bbox.maxY].map((v) => this.font.toUnits(v)),
        ItalicAngle: Math.round(font.italicAngle),
        Ascent: this.font.metrics.ascent,
        Descent: this.font.metrics.descent,
        CapHeight: this.font.toUnits(heightOf(font, font.capHeight, 0x48)),
        XHeight: this.font.toUnits(heightOf(font, font.xHeight, 0x78)),
        // A hint for viewers that substitute fonts; ours is always embedded. Estimated from the
        // weight class, as the TrueType tables do not record stem widths.
        StemV: Math.round(10 + 220 * (((font['OS/2']?.usWeightClass ?? 400) - 50) / 900) ** 2),
        FontFile2: fontFile,
      }),
    );
    const cidFont = add(
      pdfDict({
        Type: name('Font'),
        Subtype: name('CIDFontType2'),
        BaseFont: name(baseFont),
        CIDSystemInfo: pdfDict({ Registry: byteString(new TextEncoder().encode('Adobe')), Ordering: byteString(new TextEncoder().encode('Identity')), Supplement: 0 }),
        FontDescriptor: descriptor,
        DW: this.used[0]?.width ?? 1000,
        W: [0, this.used.map((u) => u.width)],
        CIDToGIDMap: name('Identity'),
      }),
    );
    const toUnicode = add(PdfStream.fromBytes(pdfDict({ Filter: name('FlateDecode') }), deflateSync(new TextEncoder().encode(this.toUnicodeCMap()))));
    return add(
      pdfDict({
        Type: name('Font'),
        Subtype: name('Type0'),
        BaseFont: name(baseFont),
        Encoding: name('Identity-H'),
        DescendantFonts: [cidFont],
        ToUnicode: toUnicode,
      }),
    );
  }

  /** The /ToUnicode CMap (Adobe technical note 5411): each CID to its UTF-16BE text. */
  toUnicodeCMap(): string {
    const entries = this.used.map((u, cid) => `<${hex4(cid)}> <${utf16Hex(u.text)}>`);
    let body = '';
    for (let i = 0; i < entries.length; i += 100) {
      const chunk = entries.slice(i, i + 100);
      body += `${chunk.length} beginbfchar\n${chunk.join('\n')}\nendbfchar\n`;
    }
    return [
      '/CIDInit /ProcSet findresource begin',
      '12 dict begin',
      'begincmap',
      '/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def',
      '/CMapName /Adobe-Identity-UCS def',
      '/CMapType 2 def',
      '1 begincodespacerange',
      '<0000> <FFFF>',
      'endcodespacerange',
      `${body}endcmap`,
      'CMapName currentdict /CMap defineresource pop',
      'end',
      'end',
      '',
    ].join('\n');
  }
}

/** Font descriptor flags (ISO 32000-2, 9.8.2): symbolic, since the glyphs are reached by CID. */
function descriptorFlags(font: Font): number {
  const tables = font as unknown as FontTables;
  const familyClass = (font['OS/2']?.sFamilyClass ?? 0) >> 8;
  let flags = 1 << 2; // Symbolic
  if (tables.post.isFixedPitch) flags |= 1 << 0;
  if (familyClass >= 1 && familyClass <= 7) flags |= 1 << 1; // Serif
  if (familyClass === 10) flags |= 1 << 3; // Script
  if (tables.head.macStyle.italic) flags |= 1 << 6;
  return flags;
}

/** OS/2 version 1 fonts (DejaVu) lack cap and x heights: measure 'H' and 'x' instead. */
function heightOf(font: Font, declared: number | undefined, codePoint: number): number {
  if (typeof declared === 'number' && Number.isFinite(declared) && declared > 0) return declared;
  const glyph: Glyph = font.glyphForCodePoint(codePoint);
  return glyph.id === 0 ? font.ascent : glyph.bbox.maxY;
}

/** "ABCDEF": six uppercase letters derived from the glyph set (ISO 32000-2, 9.9.2), deterministic. */
export function subsetTag(gids: readonly number[]): string {
  let hash = fnv1a(new Uint8Array(Uint32Array.from(gids).buffer));
  let tag = '';
  for (let i = 0; i < 6; i++) {
    tag += String.fromCharCode(65 + (hash % 26));
    hash = Math.floor(hash / 26);
  }
  return tag;
}

function fnv1a(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193);
  return hash >>> 0;
}

export function hex4(value: number): string {
  return value.toString(16).toUpperCase().padStart(4, '0');
}

function utf16Hex(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) out += hex4(text.charCodeAt(i));
  return out;
}
