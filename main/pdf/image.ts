// Image XObjects for signature appearances (ISO 32000-2, 8.9.5). PNG is decoded by pngjs into 8-bit
// RGB or gray samples (FlateDecode), its alpha channel, if any pixel uses it, becoming an /SMask.
// JPEG is passed through untouched as /DCTDecode; only its SOF header is read for the size and
// the number of components. Anything else is refused.
//
// Left out: ICC profiles and gamma (samples are taken as DeviceRGB/DeviceGray), and downsampling
// of images much larger than the rectangle they are drawn in.
import { deflateSync } from 'node:zlib';
import { PNG } from 'pngjs';
import { PdfError } from './errors';
import { msg } from '../errors';
import { PdfStream } from './objects';
import type { PdfObject, PdfRef } from './objects';
import { name, pdfDict } from './serialize';

export type ImageFormat = 'png' | 'jpeg';

export interface EmbeddedImage {
  readonly ref: PdfRef;
  /** Size in pixels. */
  readonly width: number;
  readonly height: number;
  readonly format: ImageFormat;
}

const PNG_MAGIC = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The format told by the first bytes, or null. */
export function detectImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (PNG_MAGIC.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

/** Adds the image (and its soft mask) as XObjects; returns the image's ref and pixel size. */
export function embedImage(add: (obj: PdfObject) => PdfRef, bytes: Uint8Array): EmbeddedImage {
  const format = detectImageFormat(bytes);
  if (format === 'png') return embedPng(add, bytes);
  if (format === 'jpeg') return embedJpeg(add, bytes);
  throw new PdfError('unsupported', msg('error.pdf.image-format'));
}

function embedPng(add: (obj: PdfObject) => PdfRef, bytes: Uint8Array): EmbeddedImage {
  let png: ReturnType<typeof PNG.sync.read>;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    throw new PdfError('malformed', msg('error.pdf.image-damaged-png', { detail: error instanceof Error ? error.message : String(error) }), { cause: error });
  }
  const { width, height, data } = png;
  const pixels = width * height;
  // pngjs always hands back 8-bit RGBA; gray sources (color types 0 and 4) stay one component.
  const gray = !png.color;
  const components = gray ? 1 : 3;
  const samples = new Uint8Array(pixels * components);
  const alpha = new Uint8Array(pixels);
  let translucent = false;
  for (let p = 0; p < pixels; p++) {
    const at = p * 4;
    if (gray) samples[p] = data[at] as number;
    else {
      samples[p * 3] = data[at] as number;
      samples[p * 3 + 1] = data[at + 1] as number;
      samples[p * 3 + 2] = data[at + 2] as number;
    }
    const a = data[at + 3] as number;
    alpha[p] = a;
    if (a !== 255) translucent = true;
  }
  const smask = translucent
    ? add(
        PdfStream.fromBytes(
          pdfDict({ Type: name('XObject'), Subtype: name('Image'), Width: width, Height: height, ColorSpace: name('DeviceGray'), BitsPerComponent: 8, Filter: name('FlateDecode') }),
          deflateSync(alpha),
        ),
      )
    : undefined;
  const ref = add(
    PdfStream.fromBytes(
      pdfDict({
        Type: name('XObject'),
        Subtype: name('Image'),
        Width: width,
        Height: height,
        ColorSpace: name(gray ? 'DeviceGray' : 'DeviceRGB'),
        BitsPerComponent: 8,
        Filter: name('FlateDecode'),
        SMask: smask,
      }),
      deflateSync(samples),
    ),
  );
  return { ref, width, height, format: 'png' };
}

export interface JpegInfo {
  readonly width: number;
  readonly height: number;
  readonly components: number;
  /** An Adobe APP14 marker: Adobe's CMYK JPEGs store inverted samples. */
  readonly adobe: boolean;
}

// Baseline, extended sequential and progressive Huffman JPEGs; DCTDecode readers do not all
// support lossless, hierarchical or arithmetic-coded ones.
const SUPPORTED_SOF = new Set([0xc0, 0xc1, 0xc2]);
const OTHER_SOF = new Set([0xc3, 0xc5, 0xc6, 0xc7, 0xc9, 0xca, 0xcb, 0xcd, 0xce, 0xcf]);

/** Reads the frame header (SOF) of a JPEG: size and components. */
export function readJpegInfo(bytes: Uint8Array): JpegInfo {
  const damaged = (why: string) => new PdfError('malformed', msg('error.pdf.image-damaged-jpeg', { detail: why }));
  let adobe = false;
  let at = 2;
  while (at < bytes.length) {
    if (bytes[at] !== 0xff) throw damaged(`no marker at byte ${at}`);
    while (bytes[at] === 0xff) at++; // fill bytes
    const marker = bytes[at++];
    if (marker === undefined) break;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // no length
    if (marker === 0xd9 || marker === 0xda) throw damaged('no frame header before the image data');
    if (at + 2 > bytes.length) break;
    const length = ((bytes[at] as number) << 8) | (bytes[at + 1] as number);
    if (length < 2 || at + length > bytes.length) throw damaged('a segment runs past the end');
    if (marker === 0xee && length >= 7 && String.fromCharCode(...bytes.subarray(at + 2, at + 7)) === 'Adobe') adobe = true;
    if (SUPPORTED_SOF.has(marker) || OTHER_SOF.has(marker)) {
      if (OTHER_SOF.has(marker)) throw new PdfError('unsupported', msg('error.pdf.image-jpeg-kind'));
      if (length < 8) throw damaged('a short frame header');
      const precision = bytes[at + 2] as number;
      const height = ((bytes[at + 3] as number) << 8) | (bytes[at + 4] as number);
      const width = ((bytes[at + 5] as number) << 8) | (bytes[at + 6] as number);
      const components = bytes[at + 7] as number;
      if (precision !== 8) throw new PdfError('unsupported', msg('error.pdf.image-jpeg-precision', { precision }));
      if (width === 0 || height === 0) throw damaged('no width or height in the frame header');
      if (components !== 1 && components !== 3 && components !== 4) throw damaged(`${components} colour components`);
      return { width, height, components, adobe };
    }
    at += length;
  }
  throw damaged('no frame header');
}

function embedJpeg(add: (obj: PdfObject) => PdfRef, bytes: Uint8Array): EmbeddedImage {
  const info = readJpegInfo(bytes);
  const colorSpace = info.components === 1 ? 'DeviceGray' : info.components === 3 ? 'DeviceRGB' : 'DeviceCMYK';
  const ref = add(
    PdfStream.fromBytes(
      pdfDict({
        Type: name('XObject'),
        Subtype: name('Image'),
        Width: info.width,
        Height: info.height,
        ColorSpace: name(colorSpace),
        BitsPerComponent: 8,
        Filter: name('DCTDecode'),
        Decode: info.components === 4 && info.adobe ? [1, 0, 1, 0, 1, 0, 1, 0] : undefined,
      }),
      bytes,
    ),
  );
  return { ref, width: info.width, height: info.height, format: 'jpeg' };
}
