// Helpers shared by the bench sections: process measurement (wall time and peak RSS of a whole
// process) and inputs generated at bench time.
import { spawnSync } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { makeTestPdfs } from '../fixtures/pdfs';
import type { TestPdfs } from '../fixtures/pdfs';

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

export interface Measurement {
  /** Wall seconds, measured here (GNU time's are rounded to 10 ms). */
  seconds: number;
  /** Peak RSS in KB, from GNU time. */
  rssKb: number;
}

export interface MeasureOptions {
  env?: NodeJS.ProcessEnv;
  /** Return the failure (stderr tail) instead of throwing. */
  allowFailure?: boolean;
}

export type MeasureResult = Measurement | { error: string };

export function failed(result: MeasureResult): result is { error: string } {
  return 'error' in result;
}

/** One run of `command` under GNU /usr/bin/time: wall seconds (hrtime) and peak RSS (KB). */
export function measure(command: string, args: string[]): Measurement;
export function measure(command: string, args: string[], options: MeasureOptions & { allowFailure: true }): MeasureResult;
export function measure(command: string, args: string[], options?: MeasureOptions): Measurement;
export function measure(command: string, args: string[], options: MeasureOptions = {}): MeasureResult {
  const started = process.hrtime.bigint();
  const result = spawnSync('/usr/bin/time', ['-f', '%M', command, ...args], {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    env: options.env ?? process.env,
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (result.status !== 0) {
    // GNU time prints "Command exited with non-zero status N" and the RSS last: drop those lines.
    const lines = result.stderr.trim().split('\n').filter((l) => !/^\d+$/.test(l) && !l.startsWith('Command exited with'));
    const message = `${command} ${args.join(' ')} failed: ${lines.join('\n').slice(-500) || (result.error?.message ?? `status ${result.status}`)}`;
    if (options.allowFailure) return { error: message };
    throw new Error(message);
  }
  const rss = Number(result.stderr.trim().split('\n').pop());
  return { seconds, rssKb: rss };
}

/** `runs` runs: median wall time, highest peak RSS. */
export function repeat(command: string, args: string[], runs: number): Measurement;
export function repeat(command: string, args: string[], runs: number, options: MeasureOptions & { before?: () => void }): MeasureResult;
export function repeat(command: string, args: string[], runs: number, options: MeasureOptions & { before?: () => void } = {}): MeasureResult {
  const results: Measurement[] = [];
  for (let i = 0; i < runs; i += 1) {
    options.before?.();
    const result = measure(command, args, { ...options, allowFailure: true });
    if (failed(result)) {
      if (options.allowFailure) return result;
      throw new Error(result.error);
    }
    results.push(result);
  }
  return { seconds: median(results.map((r) => r.seconds)), rssKb: Math.max(...results.map((r) => r.rssKb)) };
}

/** A positive number from the environment (a bench setting), else `fallback`. */
export function envNumber(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
}

/** A duration for the tables: milliseconds below 10 s, else seconds. */
export function ms(seconds: number): string {
  return seconds < 10 ? `${(seconds * 1000).toFixed(0)} ms` : `${seconds.toFixed(1)} s`;
}

export function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

/** Bytes of the incompressible image of each page of makeLargePdf: 724 x 724 gray = 512 KB. */
export const LARGE_PDF_BYTES_PER_PAGE = 724 * 724;

/**
 * A PDF of `pages` pages, each with its own 512 KB incompressible image (so ~pages/2 MB), written
 * as `large-<pages>p.pdf` in `dir` and rewritten by qpdf: with object streams (hence an xref
 * stream) by default, or with a classic xref table (`xref: 'table'`).
 */
export async function makeLargePdf(dir: string, options: { pages?: number; xref?: 'stream' | 'table' } = {}): Promise<string> {
  const pages = options.pages ?? 400;
  const xrefKind = options.xref ?? 'stream';
  const raw = join(dir, `large-${pages}p-raw.pdf`);
  const out = createWriteStream(raw);
  let offset = 0;
  const offsets: number[] = [];
  const write = async (chunk: string | Buffer) => {
    const buf = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
    offset += buf.length;
    if (!out.write(buf)) await once(out, 'drain');
  };
  const side = 724; // 724 x 724 gray = 512 KB
  const object = async (num: number, body: string | Buffer[]) => {
    offsets[num] = offset;
    await write(`${num} 0 obj\n`);
    if (typeof body === 'string') await write(body);
    else for (const part of body) await write(part);
    await write('\nendobj\n');
  };
  await write('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n');
  const kids = Array.from({ length: pages }, (_, i) => `${4 + i * 3} 0 R`).join(' ');
  await object(1, '<< /Type /Catalog /Pages 2 0 R >>');
  await object(2, `<< /Type /Pages /Count ${pages} /Kids [${kids}] >>`);
  await object(3, '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  for (let i = 0; i < pages; i += 1) {
    const page = 4 + i * 3;
    const content = `q 400 0 0 400 100 300 cm /Im Do Q BT /F1 36 Tf 100 200 Td (Page ${i + 1}) Tj ET`;
    await object(page, `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> /XObject << /Im ${page + 2} 0 R >> >> /Contents ${page + 1} 0 R >>`);
    await object(page + 1, `<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
    const image = randomBytes(side * side);
    await object(page + 2, [Buffer.from(`<< /Type /XObject /Subtype /Image /Width ${side} /Height ${side} /ColorSpace /DeviceGray /BitsPerComponent 8 /Length ${image.length} >>\nstream\n`), image, Buffer.from('\nendstream')]);
  }
  const size = 4 + pages * 3;
  const xref = offset;
  let table = `xref\n0 ${size}\n0000000000 65535 f \n`;
  for (let n = 1; n < size; n += 1) table += `${String(offsets[n]).padStart(10, '0')} 00000 n \n`;
  await write(`${table}trailer\n<< /Size ${size} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`);
  out.end();
  await once(out, 'finish');
  const large = join(dir, `large-${pages}p${xrefKind === 'table' ? '-table' : ''}.pdf`);
  const qpdf = spawnSync('qpdf', [`--object-streams=${xrefKind === 'stream' ? 'generate' : 'disable'}`, raw, large], { encoding: 'utf8' });
  if (qpdf.status !== 0 && qpdf.status !== 3) throw new Error(`qpdf failed: ${qpdf.stderr}`);
  await rm(raw);
  return large;
}

/** Inputs made once per bench and shared by its sections (the caller removes `dir`). */
export class BenchInputs {
  private pdfs: Promise<TestPdfs> | undefined;
  private readonly large = new Map<string, Promise<string>>();

  constructor(readonly dir: string) {}

  /** The fixtures' test PDFs (Ghostscript and qpdf), made on first use. */
  testPdfs(): Promise<TestPdfs> {
    this.pdfs ??= makeTestPdfs(this.dir);
    return this.pdfs;
  }

  /** An n-page Ghostscript PDF (fixtures' manyPages). */
  async manyPages(n: number): Promise<string> {
    return (await this.testPdfs()).manyPages(n);
  }

  /** makeLargePdf(pages, xref), made once. */
  largePdf(pages: number, xref: 'stream' | 'table' = 'stream'): Promise<string> {
    const key = `${pages}-${xref}`;
    let made = this.large.get(key);
    if (made === undefined) {
      made = makeLargePdf(this.dir, { pages, xref });
      this.large.set(key, made);
    }
    return made;
  }
}
