// The visible appearance of a signature widget (ISO 32000-2, 12.5.5 and 12.7.5.5): one Form XObject,
// the widget's /AP /N, that draws the optional image on the left third of the rectangle and the
// signer's name, the date and the optional reason and location on the rest, in the largest font
// size (14 pt down to 4 pt) at which the wrapped lines fit. Everything is clipped to the BBox.
//
// The font is a subset of the bundled TrueType font (see font.ts), so any name the font covers
// renders and extracts; the image is a PNG or JPEG (see image.ts). The caller formats the date and
// localizes the labels; this module only lays them out.
//
// Right-to-left text: each word is shaped on its own (fontkit returns a right-to-left word in
// visual order) and consecutive right-to-left words of a line are drawn in reverse order. That is
// enough for a name in Arabic or Hebrew script; it is not the full Unicode bidirectional algorithm
// (numbers and neutral characters inside a right-to-left run are not reordered), which is left out.
import { loadAppearanceFont } from './font';
import type { AppearanceFont, FontSubset, ShapedGlyph, ShapedRun } from './font';
import { hex4 } from './font';
import { embedImage } from './image';
import { PdfStream } from './objects';
import type { PdfObject, PdfRef } from './objects';
import { formatNumber, name, numberObject, pdfDict } from './serialize';

export interface AppearanceLabels {
  signedBy: string;
  date: string;
  reason: string;
  location: string;
}

export const DEFAULT_APPEARANCE_LABELS: Readonly<AppearanceLabels> = Object.freeze({
  signedBy: 'Digitally signed by',
  date: 'Date',
  reason: 'Reason',
  location: 'Location',
});

export interface SignatureAppearanceText {
  name: string;
  /** Already formatted by the caller, e.g. "2026-11-22 23:58 UTC". */
  date: string;
  reason?: string;
  location?: string;
  /** Localized labels; English by default. */
  labels?: AppearanceLabels;
}

export interface SignatureAppearanceOptions {
  /** Size of the widget rectangle in points. */
  width: number;
  height: number;
  /** TrueType font bytes (assets/fonts/DejaVuSans.ttf). */
  font: Uint8Array;
  text: SignatureAppearanceText;
  /** PNG (with or without alpha) or JPEG, told apart by their first bytes. */
  image?: { bytes: Uint8Array };
}

export const MAX_FONT_SIZE = 14;
export const MIN_FONT_SIZE = 4;
const FONT_SIZE_STEP = 0.25;

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** A line of text: its glyphs (spaces included) and width in thousandths of an em. */
export interface TextLine {
  text: string;
  glyphs: ShapedGlyph[];
  width: number;
}

export interface AppearanceLayout {
  fontSize: number;
  /** Baseline-to-baseline distance in points. */
  leading: number;
  lines: TextLine[];
  /** The first baseline's origin. */
  textX: number;
  firstBaseline: number;
  textBox: Box;
  /** Where the image is drawn (its aspect ratio kept), if there is one. */
  imageBox?: Box;
  /** False when even the smallest size overflows: the text is then top-aligned and clipped. */
  fits: boolean;
}

/**
 * The paragraphs drawn, in order: "Digitally signed by" and the name, "Date: DATE", then the
 * reason and location if given. A paragraph has parts: when it does not fit on one line, each part
 * starts a line of its own (so a wrapped name is not split between the label's line and the next).
 */
export function appearanceParagraphs(text: SignatureAppearanceText): string[][] {
  const labels = text.labels ?? DEFAULT_APPEARANCE_LABELS;
  // The date's own spaces do not break (U+00A0 here, drawn as spaces): it stays on one line
  // unless it is wider than a line.
  const out = [[labels.signedBy, text.name], [`${labels.date}: ${text.date.replace(/ /g, '\u00a0')}`]];
  if (text.reason?.trim()) out.push([`${labels.reason}: ${text.reason}`]);
  if (text.location?.trim()) out.push([`${labels.location}: ${text.location}`]);
  // Line breaks inside a value start a new paragraph; other control characters are spaces.
  return out.flatMap((parts) => {
    const paragraphs: string[][] = [[]];
    for (const part of parts) {
      part.split(/\r\n|\r|\n/).forEach((piece, i) => {
        if (i > 0) paragraphs.push([]);
        paragraphs[paragraphs.length - 1]?.push(Array.from(piece, (c) => (isControl(c) ? ' ' : c)).join(''));
      });
    }
    return paragraphs;
  });
}

function isControl(char: string): boolean {
  const code = char.codePointAt(0) ?? 0;
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

interface Word extends ShapedRun {
  readonly text: string;
}

const widthOf = (glyphs: readonly ShapedGlyph[]) => glyphs.reduce((sum, g) => sum + g.advance, 0);

/**
 * Places the text (and the image box) in a width x height rectangle: the largest font size from
 * 14 pt down to 4 pt, in quarter points, at which the paragraphs wrapped at word boundaries fit;
 * a word is broken only when it is wider than the line at every size that fits.
 */
export function layoutAppearance(font: AppearanceFont, size: { width: number; height: number }, paragraphs: readonly (readonly string[])[], image?: { width: number; height: number }): AppearanceLayout {
  const { width, height } = size;
  const pad = Math.min(4, Math.max(1, Math.min(width, height) * 0.05));
  let textBox: Box = { x: pad, y: pad, width: Math.max(0, width - 2 * pad), height: Math.max(0, height - 2 * pad) };
  let imageBox: Box | undefined;
  if (image && image.width > 0 && image.height > 0) {
    const area: Box = { x: pad, y: pad, width: Math.max(0, width / 3 - pad), height: Math.max(0, height - 2 * pad) };
    const scale = Math.min(area.width / image.width, area.height / image.height);
    const w = image.width * scale;
    const h = image.height * scale;
    imageBox = { x: area.x + (area.width - w) / 2, y: area.y + (area.height - h) / 2, width: w, height: h };
    textBox = { x: width / 3 + pad, y: pad, width: Math.max(0, (width * 2) / 3 - 2 * pad), height: Math.max(0, height - 2 * pad) };
  }

  const space = font.shape(' ').glyphs;
  const words: Word[][][] = paragraphs.map((parts) =>
    parts.map((part) =>
      part
        .split(/[^\S\u00a0]+/)
        .filter((w) => w.length > 0)
        .map((w) => w.replace(/\u00a0/g, ' '))
        .map((w) => ({ ...font.shape(w), text: w })),
    ),
  );
  const { ascent, descent, lineGap } = font.metrics;
  const blockHeight = (lines: number, fontSize: number) => (lines === 0 ? 0 : ((lines - 1) * (ascent - descent + lineGap) + (ascent - descent)) * (fontSize / 1000));

  // The largest size at which the text fits with words kept whole; failing that, the largest at
  // which it fits with the words too long for a line broken; failing that, the floor, clipped.
  let chosen: { fontSize: number; lines: TextLine[] } | null = null;
  for (const breakWords of [false, true]) {
    for (let step = 0; !chosen && MAX_FONT_SIZE - step * FONT_SIZE_STEP >= MIN_FONT_SIZE; step++) {
      const fontSize = MAX_FONT_SIZE - step * FONT_SIZE_STEP;
      const wrapped = wrap(words, space, (textBox.width / fontSize) * 1000);
      if (wrapped.broken && !breakWords) continue;
      if (blockHeight(wrapped.lines.length, fontSize) <= textBox.height) chosen = { fontSize, lines: wrapped.lines };
    }
    if (chosen) break;
  }
  const fits = chosen !== null;
  const { fontSize, lines } = chosen ?? { fontSize: MIN_FONT_SIZE, lines: wrap(words, space, (textBox.width / MIN_FONT_SIZE) * 1000).lines };
  const block = blockHeight(lines.length, fontSize);
  // Centred vertically when it fits; otherwise top-aligned, so the signer's name stays visible.
  const top = fits ? textBox.y + (textBox.height + block) / 2 : textBox.y + textBox.height;
  return {
    fontSize,
    leading: ((ascent - descent + lineGap) * fontSize) / 1000,
    lines,
    textX: textBox.x,
    firstBaseline: top - (ascent * fontSize) / 1000,
    textBox,
    imageBox,
    fits,
  };
}

/**
 * Greedy word wrap at `max` thousandths of an em; a word longer than a line is broken (and
 * `broken` says so). A paragraph whose parts do not fit on one line together is wrapped part by part.
 */
function wrap(paragraphs: readonly Word[][][], space: readonly ShapedGlyph[], max: number): { lines: TextLine[]; broken: boolean } {
  const spaceWidth = widthOf(space);
  const lines: TextLine[] = [];
  for (const parts of paragraphs) {
    const all = parts.flat();
    const joined = all.reduce((sum, w) => sum + w.width, 0) + spaceWidth * Math.max(0, all.length - 1);
    if (joined <= max || parts.length === 1) lines.push(...wrapWords(all, space, max));
    else for (const part of parts) lines.push(...wrapWords(part, space, max));
  }
  return { lines, broken: paragraphs.some((parts) => parts.some((words) => words.some((w) => w.width > max))) };
}

function wrapWords(words: readonly Word[], space: readonly ShapedGlyph[], max: number): TextLine[] {
  const lines: TextLine[] = [];
  const spaceWidth = widthOf(space);
  let line: Word[] = [];
  let width = 0;
  for (const word of words) {
    if (line.length > 0 && width + spaceWidth + word.width <= max) {
      line.push(word);
      width += spaceWidth + word.width;
      continue;
    }
    if (line.length > 0) lines.push(makeLine(line, space));
    const pieces = word.width <= max ? [word] : breakWord(word, max);
    for (const piece of pieces.slice(0, -1)) lines.push(makeLine([piece], space));
    const last = pieces[pieces.length - 1];
    line = last ? [last] : [];
    width = last?.width ?? 0;
  }
  if (line.length > 0) lines.push(makeLine(line, space));
  return lines;
}

/** Joins words with spaces, consecutive right-to-left words in reverse (visual) order. */
function makeLine(words: readonly Word[], space: readonly ShapedGlyph[]): TextLine {
  const visual: Word[] = [];
  for (let i = 0; i < words.length; ) {
    let j = i;
    while (words[i]?.rtl && words[j + 1]?.rtl) j++;
    const run = words.slice(i, j + 1);
    visual.push(...(words[i]?.rtl ? run.reverse() : run));
    i = j + 1;
  }
  const glyphs = visual.flatMap((w, i) => (i > 0 ? [...space, ...w.glyphs] : [...w.glyphs]));
  return { text: words.map((w) => w.text).join(' '), glyphs, width: widthOf(glyphs) };
}

/**
 * Cuts a word wider than a line into pieces of at most `max` (each at least one glyph), never
 * before a mark. A right-to-left word is cut from its right end, where it begins.
 */
function breakWord(word: Word, max: number): Word[] {
  const logical = word.rtl ? [...word.glyphs].reverse() : word.glyphs;
  const pieces: ShapedGlyph[][] = [];
  let current: ShapedGlyph[] = [];
  let width = 0;
  for (const glyph of logical) {
    if (current.length > 0 && !glyph.mark && width + glyph.advance > max) {
      pieces.push(current);
      current = [];
      width = 0;
    }
    current.push(glyph);
    width += glyph.advance;
  }
  if (current.length > 0) pieces.push(current);
  return pieces.map((glyphs) => ({ glyphs: word.rtl ? [...glyphs].reverse() : glyphs, rtl: word.rtl, width: widthOf(glyphs), text: textOf(glyphs) }));
}

const textOf = (glyphs: readonly ShapedGlyph[]) => glyphs.map((g) => String.fromCodePoint(...g.codePoints)).join('');

/** Numbers in content streams: at most 3 decimals. */
function n(value: number): string {
  return formatNumber(Math.round(value * 1000) / 1000);
}

/**
 * The operators that show one line: TJ arrays of 2-byte CIDs, with the kerning and mark offsets
 * fontkit computed as TJ adjustments and vertical mark offsets as text rise (Ts).
 */
function showLine(glyphs: readonly ShapedGlyph[], subset: FontSubset, fontSize: number): string[] {
  const ops: string[] = [];
  let items: string[] = [];
  let codes = '';
  let shift = 0; // pending TJ adjustment, thousandths of an em (positive moves left)
  let rise = 0;
  const flushCodes = () => {
    if (codes) items.push(`<${codes}>`);
    codes = '';
  };
  const flushArray = () => {
    flushCodes();
    if (items.length > 0) ops.push(`[${items.join(' ')}] TJ`);
    items = [];
  };
  for (const glyph of glyphs) {
    if (glyph.yOffset !== rise) {
      flushArray();
      rise = glyph.yOffset;
      ops.push(`${n((rise * fontSize) / 1000)} Ts`);
    }
    shift -= glyph.xOffset;
    if (shift !== 0) {
      flushCodes();
      items.push(n(shift));
    }
    codes += hex4(subset.cid(glyph));
    // After the glyph the viewer has moved by its /W width; the pen should be at `advance`.
    shift = -(glyph.advance - glyph.width - glyph.xOffset);
  }
  flushArray();
  if (rise !== 0) ops.push('0 Ts');
  return ops;
}

/**
 * Builds the appearance Form XObject (with its font, and image if any) through `add`, and returns
 * its ref for the widget's /AP << /N ref >>.
 */
export function buildSignatureAppearance(add: (obj: PdfObject) => PdfRef, options: SignatureAppearanceOptions): PdfRef {
  const { width, height } = options;
  if (!(Number.isFinite(width) && Number.isFinite(height) && width > 0 && height > 0)) throw new RangeError(`a signature appearance needs a positive width and height (got ${width} x ${height})`);
  const font = loadAppearanceFont(options.font);
  const image = options.image ? embedImage(add, options.image.bytes) : undefined;
  const layout = layoutAppearance(font, { width, height }, appearanceParagraphs(options.text), image);

  const subset = font.subset();
  const ops: string[] = ['q', `0 0 ${n(width)} ${n(height)} re W n`];
  if (image && layout.imageBox) {
    const box = layout.imageBox;
    ops.push('q', `${n(box.width)} 0 0 ${n(box.height)} ${n(box.x)} ${n(box.y)} cm`, '/Im1 Do', 'Q');
  }
  ops.push('0 g', 'BT', `/F1 ${n(layout.fontSize)} Tf`, `${n(layout.textX)} ${n(layout.firstBaseline)} Td`);
  layout.lines.forEach((line, i) => {
    if (i > 0) ops.push(`0 ${n(-layout.leading)} Td`);
    ops.push(...showLine(line.glyphs, subset, layout.fontSize));
  });
  ops.push('ET', 'Q');

  const fontRef = subset.write(add);
  const resources = pdfDict({
    Font: pdfDict({ F1: fontRef }),
    XObject: image ? pdfDict({ Im1: image.ref }) : undefined,
  });
  return add(formXObject([0, 0, numberObject(width), numberObject(height)], resources, `${ops.join('\n')}\n`));
}

function formXObject(bbox: PdfObject[], resources: PdfObject, content: string): PdfStream {
  const dict = pdfDict({ Type: name('XObject'), Subtype: name('Form'), FormType: 1, BBox: bbox, Matrix: [1, 0, 0, 1, 0, 0], Resources: resources });
  return PdfStream.fromBytes(dict, new TextEncoder().encode(content));
}
