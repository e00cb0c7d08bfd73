// Signature appearances as other tools see them: a one-page PDF draws several appearances
// (Latin with a PNG with alpha, Greek with a JPEG, Cyrillic, and an overflowing one) and qpdf,
// pdftotext, pdffonts, pdfimages and pdftoppm check the file, the text, the embedded subset fonts,
// the images and the rendering. The rendered page is saved in test-results/appearance/.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PNG } from 'pngjs';
import { appearanceParagraphs, buildSignatureAppearance, layoutAppearance } from '../../main/pdf/appearance';
import { loadAppearanceFont } from '../../main/pdf/font';
import type { SignatureAppearanceOptions } from '../../main/pdf/appearance';
import { PdfRef } from '../../main/pdf/objects';
import type { PdfObject } from '../../main/pdf/objects';
import { serializeIndirect } from '../../main/pdf/serialize';
import { missingTools, run } from '../fixtures/pki';
import { TestPdfWriter } from '../unit/helpers/pdf-build';
import { qpdfCheck } from '../fixtures/pdfs';

const missing = missingTools('qpdf', 'pdftotext', 'pdffonts', 'pdfimages', 'pdftoppm');
const skip = missing.length > 0 ? `not installed: ${missing.join(', ')}` : false;

const root = new URL('../..', import.meta.url).pathname;
const FONT = readFileSync(join(root, 'assets/fonts/DejaVuSans.ttf'));
const PAGE = { width: 420, height: 400 };
const DATE = '2026-11-22 23:58 UTC';

interface Placed {
  x: number;
  y: number;
  width: number;
  height: number;
  name: string;
  options: Omit<SignatureAppearanceOptions, 'width' | 'height' | 'font'>;
}

/** A one-page PDF whose content draws each appearance at its place: `q 1 0 0 1 x y cm /SigN Do Q`. */
function onePagePdf(placed: readonly Placed[]): Uint8Array {
  const objects: PdfObject[] = [];
  const first = 5; // 1 catalog, 2 pages, 3 page, 4 content
  const add = (obj: PdfObject) => {
    objects.push(obj);
    return new PdfRef(first + objects.length - 1, 0);
  };
  const refs = placed.map((p) => buildSignatureAppearance(add, { width: p.width, height: p.height, font: FONT, ...p.options }));
  const w = TestPdfWriter.start('1.7');
  w.object(1, '<< /Type /Catalog /Pages 2 0 R >>');
  w.object(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
  const xobjects = refs.map((ref, i) => `/Sig${i} ${ref}`).join(' ');
  w.object(3, `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${PAGE.width} ${PAGE.height}] /Resources << /XObject << ${xobjects} >> >> /Contents 4 0 R >>`);
  w.stream(4, { dict: '', data: placed.map((p, i) => `q 1 0 0 1 ${p.x} ${p.y} cm /Sig${i} Do Q`).join('\n') });
  objects.forEach((obj, i) => {
    w.entry(first + i, { type: 'offset', offset: w.length, gen: 0 });
    w.raw(serializeIndirect(new PdfRef(first + i, 0), obj));
  });
  w.xrefTable('/Root 1 0 R');
  return w.bytes();
}

/** A PNG with diagonal red stripes on a fully transparent background. */
function stripedPng(width: number, height: number): Uint8Array {
  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) png.data.set((x + y) % 16 < 8 ? [210, 20, 20, 255] : [0, 0, 0, 0], (y * width + x) * 4);
  return new Uint8Array(PNG.sync.write(png));
}

/** A real JPEG, written by poppler's libjpeg: a page filled with blue, rendered by pdftoppm. */
async function blueJpeg(dir: string): Promise<Uint8Array> {
  const w = TestPdfWriter.start('1.4');
  w.object(1, '<< /Type /Catalog /Pages 2 0 R >>');
  w.object(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
  w.object(3, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 48 32] /Contents 4 0 R >>');
  w.stream(4, { dict: '', data: '0.1 0.2 0.9 rg 0 0 48 32 re f' });
  w.xrefTable('/Root 1 0 R');
  writeFileSync(join(dir, 'blue.pdf'), w.bytes());
  await run('pdftoppm', ['-q', '-jpeg', '-r', '72', '-singlefile', join(dir, 'blue.pdf'), join(dir, 'blue')]);
  return new Uint8Array(readFileSync(join(dir, 'blue.jpg')));
}

/** pdftoppm's cropping and pdftotext's -x/-y count from the top-left corner, PDF from the bottom-left. */
const fromTop = (p: { y: number; height: number }) => PAGE.height - p.y - p.height;

describe('signature appearances read by qpdf and poppler', { timeout: 30_000 }, () => {
  let dir = '';
  let file = '';
  let jpeg: Uint8Array = new Uint8Array();
  let placed: Placed[] = [];

  before(async () => {
    if (skip) return;
    dir = mkdtempSync(join(tmpdir(), 'paraphe-appearance-'));
    jpeg = await blueJpeg(dir);
    placed = [
      { x: 20, y: 300, width: 240, height: 70, name: 'Élodie Signataire', options: { text: { name: 'Élodie Signataire', date: DATE, reason: 'J’approuve ce document', location: 'Besançon', labels: { signedBy: 'Signé numériquement par', date: 'Date', reason: 'Motif', location: 'Lieu' } }, image: { bytes: stripedPng(64, 40) } } },
      { x: 20, y: 200, width: 240, height: 70, name: 'Σωκράτης Παπαδόπουλος', options: { text: { name: 'Σωκράτης Παπαδόπουλος', date: DATE, reason: 'Έγκριση' }, image: { bytes: jpeg } } },
      { x: 20, y: 100, width: 240, height: 60, name: 'Зоя Космодемьянская', options: { text: { name: 'Зоя Космодемьянская', date: DATE, location: 'Москва' } } },
      // Far too small for its text, even at 4 pt: what does not fit is clipped to the rectangle.
      { x: 300, y: 40, width: 60, height: 14, name: 'Łukasz Żółć', options: { text: { name: 'Łukasz Żółć', date: DATE, reason: 'A long reason that cannot possibly fit in such a small rectangle' } } },
    ];
    file = join(dir, 'appearances.pdf');
    writeFileSync(file, onePagePdf(placed));
  });
  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('writes a file that qpdf --check finds no error in', { skip }, async () => {
    await qpdfCheck(file);
  });

  it('lets pdftotext extract each signer name from its own rectangle (Latin, Greek, Cyrillic)', { skip }, async () => {
    for (const p of placed.slice(0, 3)) {
      const crop = ['-x', String(p.x), '-y', String(fromTop(p)), '-W', String(p.width), '-H', String(p.height)];
      const result = await run('pdftotext', ['-r', '72', ...crop, file, '-']);
      assert.equal(result.stderr.toString(), '', 'pdftotext reports no error');
      const text = result.stdout.toString('utf8').replace(/\s+/g, ' ');
      assert.ok(text.includes(p.name), `"${p.name}" not in "${text}"`);
      assert.ok(text.includes(DATE), `"${DATE}" not in "${text}"`);
    }
    const all = (await run('pdftotext', [file, '-'])).stdout.toString('utf8');
    assert.match(all, /Signé numériquement par/);
    assert.match(all, /Motif: J’approuve ce document/);
  });

  it('has pdffonts list every font as an embedded CID TrueType subset with a ToUnicode map', { skip }, async () => {
    const result = await run('pdffonts', [file]);
    const rows = result.stdout.toString().split('\n').slice(2).filter((line) => line.trim());
    assert.equal(rows.length, placed.length, result.output);
    for (const row of rows) assert.match(row, /^[A-Z]{6}\+DejaVuSans\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes\s/, row);
  });

  it('has pdfimages list the PNG with its soft mask and the JPEG as DCT, extracted unchanged', { skip }, async () => {
    const list = (await run('pdfimages', ['-list', file])).stdout.toString();
    const rows = list.split('\n').slice(2).filter((line) => line.trim()).map((line) => line.trim().split(/\s+/));
    const summary = rows.map((cols) => `${cols[2]} ${cols[3]}x${cols[4]} ${cols[5]} ${cols[8]}`);
    assert.deepEqual(summary, ['image 64x40 rgb image', 'smask 64x40 gray image', 'image 48x32 rgb jpeg'], list);
    await run('pdfimages', ['-j', file, join(dir, 'extracted')]);
    assert.deepEqual(new Uint8Array(readFileSync(join(dir, 'extracted-002.jpg'))), jpeg, 'the JPEG comes out byte for byte');
  });

  it('renders with pdftoppm: ink in every appearance, the image with its transparency, nothing outside the rectangles', { skip }, async () => {
    const result = await run('pdftoppm', ['-r', '72', '-png', '-singlefile', file, join(dir, 'page')]);
    assert.equal(result.stderr.toString(), '', 'pdftoppm reports no error');
    const bytes = readFileSync(join(dir, 'page.png'));
    const out = join(root, 'test-results/appearance');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'appearances.png'), bytes);
    await run('pdftoppm', ['-r', '216', '-png', '-singlefile', file, join(out, 'appearances-216dpi')]);

    const page = PNG.sync.read(bytes);
    assert.deepEqual([page.width, page.height], [PAGE.width, PAGE.height]);
    const pixel = (x: number, y: number) => [...page.data.subarray((y * page.width + x) * 4, (y * page.width + x) * 4 + 3)] as [number, number, number];
    const inside = (x: number, y: number) => placed.some((p) => x >= p.x && x < p.x + p.width && y >= fromTop(p) && y < fromTop(p) + p.height);
    const count = (box: { x: number; y: number; width: number; height: number }, test: (rgb: [number, number, number]) => boolean) => {
      let n = 0;
      for (let y = Math.floor(fromTop(box)); y < fromTop(box) + box.height; y++) for (let x = Math.floor(box.x); x < box.x + box.width; x++) if (test(pixel(x, y))) n++;
      return n;
    };
    const ink = ([r, g, b]: [number, number, number]) => r < 160 && g < 160 && b < 160;
    const notWhite = ([r, g, b]: [number, number, number]) => r < 250 || g < 250 || b < 250;

    for (const p of placed) {
      const textArea = p.options.image ? { ...p, x: p.x + p.width / 3, width: (p.width * 2) / 3 } : p;
      const dark = count(textArea, ink);
      // 4 pt text at 72 dpi is mostly anti-aliased grey; larger text has solid strokes.
      assert.ok(dark > (p.height < 20 ? 20 : 300), `only ${dark} dark pixels in the text of "${p.name}"`);
    }
    // Where each image is drawn (inset by 2 px against anti-aliased edges), as the layout says.
    const [png, jpg] = placed.slice(0, 2).map((p, i) => {
      const image = layoutAppearance(loadAppearanceFont(FONT), p, appearanceParagraphs(p.options.text), i === 0 ? { width: 64, height: 40 } : { width: 48, height: 32 }).imageBox;
      assert.ok(image, `an image box for "${p.name}"`);
      return { x: p.x + image.x + 2, y: p.y + image.y + 2, width: image.width - 4, height: image.height - 4 };
    });
    assert.ok(png && jpg, 'two appearances with images');
    const area = png.width * png.height;
    const red = count(png, ([r, g, b]) => r > 150 && g < 90 && b < 90);
    const white = count(png, ([r, g, b]) => r > 245 && g > 245 && b > 245);
    assert.ok(red > area / 4 && white > area / 4, `the striped PNG shows red (${red}) and, where transparent, the white page (${white}) out of ${area} pixels`);
    const blue = count(jpg, ([r, g, b]) => b > 180 && r < 80 && g < 100);
    assert.equal(blue, count(jpg, () => true), 'the JPEG fills its box with blue');

    let escaped = 0;
    for (let y = 0; y < page.height; y++) for (let x = 0; x < page.width; x++) if (!inside(x, y) && notWhite(pixel(x, y))) escaped++;
    assert.equal(escaped, 0, 'pixels drawn outside the appearance rectangles');
  });
});
