// The staged signing session: prepare -> digest -> sign -> finish -> extend (DESIGN.md).
//   prepare  read the PDF lazily, lay out the incremental update (field, widget, appearance,
//            signature dictionary with /ByteRange and a /Contents placeholder sized by a dry run)
//   digest   stream-hash the two byte ranges while copying the input to a temp file
//   sign     CMS signed attributes -> Signer.sign -> SignedData (+ RFC 3161 signature timestamp)
//   finish   write /Contents in place
//   extend   B-LT: append a DSS with certificates and revocation data of the signer's and the
//            TSA's chains; B-LTA: then append a document timestamp
// Nothing is written to the output until every step succeeded: the temp file is renamed last.
// No silent downgrade: if the asked level cannot be reached, nothing is written and the error
// says which step failed.
import { createHash } from 'node:crypto';
import { open, readFile, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { AppError, isUserFacing } from '../errors';
import { fileSource, openPdf, prepareDssUpdate, prepareSignatureUpdate } from '../pdf';
import type { AppearanceLabels, ByteSource, PdfReader, VisibleSignatureOptions } from '../pdf';
import { createCadesSignature, estimateCadesSize, signingPathFailures, timestampTokenCertificates, vriKey } from '../cms';
import { fetchValidationData, requestTimestamp } from '../remote';
import { describeCertificate } from '../signers';
import type { HashAlgorithm, Signer } from '../signers/signer';
import { refuseInputAsOutput } from './same-file';
import { TempOutput, contentsHex, handleBytes, newHash } from './signed-output';
import type { InputBytes } from './signed-output';

export type PadesLevel = 'B-B' | 'B-T' | 'B-LT' | 'B-LTA';
export const PADES_LEVELS: readonly PadesLevel[] = ['B-B', 'B-T', 'B-LT', 'B-LTA'];

export interface SignOptions {
  level: PadesLevel;
  tsaUrl?: string;
  hash: HashAlgorithm;
  field?: string;
  visible?: { page: number; rect: [number, number, number, number] };
  image?: Uint8Array;
  reason?: string;
  location?: string;
  /** The words of a visible signature ("Digitally signed by", ...); English by default. */
  labels?: AppearanceLabels;
  /** DocMDP P: 1 no changes, 2 form filling and signing, 3 also annotations. */
  certify?: 1 | 2 | 3;
  /** The clock (tests). */
  now?: () => Date;
  /** Timestamp request timeout. */
  timeoutMs?: number;
}

export interface SignResult {
  input: string;
  output: string;
  field: string;
  level: PadesLevel;
  size: number;
  signedAt: string;
  timestampedAt: string | null;
}

const FONT = 'assets/fonts/DejaVuSans.ttf';
/** Slack beyond the dry run: DER length variations (INTEGER signs, ECDSA r/s) and timestamp tokens of other sizes. */
const PLACEHOLDER_MARGIN = 1536;

const fonts = new Map<string, Promise<Uint8Array>>();
/** The bundled font of visible appearances under `root`, read once (a failed read is tried again next time). */
export function loadAppearanceFont(root: string): Promise<Uint8Array> {
  let font = fonts.get(root);
  if (!font) {
    font = readFile(resolve(root, FONT)).then((b) => new Uint8Array(b));
    font.catch(() => fonts.delete(root));
    fonts.set(root, font);
  }
  return font;
}

function needsTsa(level: PadesLevel): boolean {
  return level !== 'B-B';
}

/** The date as visible appearances show it: "2026-11-23 09:05 UTC", the same in every language. */
export function appearanceDate(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * A document to sign as it was opened: the reader reads `source` (lazily), the copy streams
 * `bytes`; both are the same file. The session never closes them (their owner does).
 */
export interface OpenedInput {
  /** The file it came from; null for bytes dropped in the window. */
  path: string | null;
  /** How messages name it. */
  name: string;
  source: ByteSource;
  bytes: InputBytes;
  /**
   * What was opened (size, SHA-256 in hex), when known: the bytes copied must be these, else the
   * file changed on disk since it was opened and nothing is written.
   */
  expected?: { size: number; sha256: () => Promise<string | null> };
}

/** The error of a document that is no longer what was opened. */
export function inputChanged(name: string): AppError {
  return new AppError('input-changed', `${name}: the file changed on disk since it was opened; nothing was written. Open it again to sign what it holds now.`);
}

/**
 * Opens `path` once for the reader and once for the copy, and checks both name the same file
 * (same size; and the path still leads to the file the copy reads).
 */
async function openInputFile(path: string): Promise<{ input: OpenedInput; close: () => Promise<void> }> {
  const source = await fileSource(path, { name: basename(path) });
  let handle: FileHandle | null = null;
  try {
    handle = await open(path, 'r');
    const [held, named] = await Promise.all([handle.stat(), stat(path)]);
    if (!held.isFile() || held.size !== source.size || held.dev !== named.dev || held.ino !== named.ino) throw inputChanged(basename(path));
    const opened = handle;
    return {
      input: { path, name: basename(path), source, bytes: handleBytes(opened, held.size) },
      close: async () => {
        await Promise.allSettled([opened.close(), source.close()]);
      },
    };
  } catch (error) {
    await Promise.allSettled([handle?.close(), source.close()]);
    throw error;
  }
}

/** Rejects with `cancelled` when `signal` fires, whatever `work` does (it may never settle). */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  const cancelled = () => new AppError('cancelled', 'Signing was cancelled; nothing was written.');
  if (signal.aborted) {
    work.catch(() => undefined);
    return Promise.reject(cancelled());
  }
  return new Promise<T>((resolvePromise, reject) => {
    const onAbort = () => {
      work.catch(() => undefined);
      reject(cancelled());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(resolvePromise, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Throws 'unusable-certificate' when the signer's chain (as it came with the certificate: the
 * PKCS#12 bag, the token, AIA completion) breaks an issuer rule of RFC 5280 (main/cms/path.ts).
 */
async function refuseBrokenChain(signer: Signer, at: Date): Promise<void> {
  const [failure] = await signingPathFailures(signer.certificate, signer.chain, at);
  if (!failure) return;
  const who = describeCertificate(signer.certificate).subject;
  const why = failure.code === 'issuer-not-ca'
    ? `${failure.certificate} appears as the issuer of a certificate in its chain but is not a certification authority`
    : failure.detail.replace(/\.$/, '');
  throw new AppError('unusable-certificate', `The certificate of ${who} cannot be used for signing: ${why}.`);
}

/** One signer, one batch: the TSA token size is measured once (dry run) and reused. */
export class SigningSession {
  private timestampSize: Promise<number> | null = null;
  private chainChecked: Promise<void> | null = null;

  constructor(
    private readonly signer: Signer,
    private readonly options: SignOptions,
    /** Where assets/ lives (the app or the CLI install). */
    private readonly root: string,
  ) {
    if (needsTsa(options.level) && !options.tsaUrl) {
      throw new AppError('tsa-required', `Level ${options.level} needs a timestamp server: give its URL (--tsa URL).`);
    }
  }

  /**
   * Signs `input` into `output`. The input is only read; the output appears whole or not at all,
   * and never replaces the input (also through a symbolic link). `signal` cancels (a hang too):
   * the temp file is removed at once.
   */
  async sign(input: string | OpenedInput, output: string, control: { signal?: AbortSignal } = {}): Promise<SignResult> {
    const outputPath = resolve(output);
    const inputPath = typeof input === 'string' ? resolve(input) : input.path === null ? null : resolve(input.path);
    if (inputPath !== null) await refuseInputAsOutput(inputPath, outputPath);
    const now = (this.options.now ?? (() => new Date()))();
    // Once per session (one signer): nothing is signed with a certificate whose own chain breaks
    // RFC 5280's issuer rules (a certificate "issued" by an end-entity certificate, say).
    this.chainChecked ??= refuseBrokenChain(this.signer, now);
    await this.chainChecked;
    let opened: { input: OpenedInput; close: () => Promise<void> } | null = null;
    let temp: TempOutput | null = null;
    try {
      opened = typeof input === 'string' ? await openInputFile(inputPath ?? input) : { input, close: async () => undefined };
      temp = await TempOutput.create(outputPath).catch((error: unknown) => {
        throw new AppError('output-not-writable', `${outputPath} cannot be written (${(error as NodeJS.ErrnoException).code ?? 'error'}).`);
      });
      const result = await unlessAborted(this.signInto(opened.input, temp, now), control.signal);
      const size = temp.size();
      await temp.commit();
      temp = null;
      return { ...result, input: inputPath ?? opened.input.name, output: outputPath, size };
    } finally {
      await temp?.discard();
      await opened?.close();
    }
  }

  private async signInto(input: OpenedInput, temp: TempOutput, now: Date): Promise<Omit<SignResult, 'input' | 'output' | 'size'>> {
    const { signer, options } = this;
    // prepare: from the source the document was opened with
    const reader = await openPdf(input.source, { name: input.name });
    const contentsBytes = await this.placeholderSize();
    const prepared = await prepareSignatureUpdate(reader, {
      kind: 'signature',
      fieldName: options.field,
      visible: options.visible ? await this.visibleSignature(options.visible, now) : undefined,
      subFilter: 'ETSI.CAdES.detached',
      signingTime: now,
      reason: options.reason,
      location: options.location,
      docMdp: options.certify,
      contentsBytes,
    });

    // digest: the very bytes the update was laid out on, checked against what was opened
    const hash = newHash(options.hash);
    const check = createHash('sha256');
    await temp.copyFrom(input.bytes, hash, check);
    const copied = temp.size();
    if (copied !== input.source.size || copied !== input.bytes.size) throw inputChanged(input.name);
    if (input.expected) {
      const expected = await input.expected.sha256();
      if (copied !== input.expected.size || expected === null || expected !== check.digest('hex')) throw inputChanged(input.name);
    }
    await temp.append(prepared.bytes, hash, gapOf(prepared.byteRange));
    const contentDigest = new Uint8Array(hash.digest());

    // sign
    let timestampedAt: string | null = null;
    const cms = await createCadesSignature({
      contentDigest,
      hash: options.hash,
      algorithm: signer.algorithms[0] ?? 'rsa-pkcs1',
      signerCertificate: signer.certificate,
      chain: signer.chain,
      sign: (request) => signer.sign(request),
      timestamp: needsTsa(options.level)
        ? async (signatureValue) => {
            const imprint = new Uint8Array(newHash(options.hash).update(signatureValue).digest());
            const reply = await requestTimestamp(options.tsaUrl ?? '', { imprint, hash: options.hash, timeoutMs: options.timeoutMs });
            timestampedAt = reply.genTime.toISOString();
            return reply.token;
          }
        : undefined,
    });

    // finish
    if (cms.length * 2 > prepared.contentsHexLength) {
      throw new AppError('placeholder-too-small', `The signature (${cms.length} bytes) is larger than the space reserved for it; nothing was written.`);
    }
    await temp.patch(prepared.contentsOffset, contentsHex(cms, prepared.contentsHexLength));

    // extend
    if (options.level === 'B-LT' || options.level === 'B-LTA') await this.addValidationData(temp, cms, prepared.contentsHexLength / 2);
    if (options.level === 'B-LTA') await this.addDocumentTimestamp(temp);

    return { field: prepared.fieldName, level: options.level, signedAt: now.toISOString(), timestampedAt };
  }

  /** The appearance of a visible signature: the signer's name, the date, reason, location and image. */
  private async visibleSignature(where: NonNullable<SignOptions['visible']>, now: Date): Promise<VisibleSignatureOptions> {
    const { signer, options } = this;
    // Loaded only for visible signatures (fontkit and pngjs are slow to set up).
    const [font, { buildSignatureAppearance }] = await Promise.all([loadAppearanceFont(this.root), import('../pdf/appearance')]);
    return {
      page: where.page,
      rect: where.rect,
      appearance: (add, width, height) => buildSignatureAppearance(add, {
        width,
        height,
        font,
        text: { name: describeCertificate(signer.certificate).subject, date: appearanceDate(now), reason: options.reason, location: options.location, labels: options.labels },
        image: options.image ? { bytes: options.image } : undefined,
      }),
    };
  }

  /** Dry run: the CMS this signer makes, with a dummy signature and timestamp of real sizes. */
  private async placeholderSize(): Promise<number> {
    const { signer, options } = this;
    const tokenSize = needsTsa(options.level) ? await this.measureTimestamp() : undefined;
    const size = await estimateCadesSize({
      signerCertificate: signer.certificate,
      chain: signer.chain,
      keyType: signer.keyType,
      keyBits: signer.keyBits,
      hash: options.hash,
      timestampTokenSize: tokenSize,
    });
    return size + PLACEHOLDER_MARGIN;
  }

  /** The size of this TSA's tokens, measured once per session (concurrent documents share it). */
  private measureTimestamp(): Promise<number> {
    this.timestampSize ??= (async () => {
      const imprint = new Uint8Array(newHash(this.options.hash).update(`paraphe dry run ${Date.now()}`).digest());
      const reply = await requestTimestamp(this.options.tsaUrl ?? '', { imprint, hash: this.options.hash, timeoutMs: this.options.timeoutMs });
      return reply.token.length;
    })();
    // A failed measurement is not cached: the next document tries again.
    this.timestampSize.catch(() => {
      this.timestampSize = null;
    });
    return this.timestampSize;
  }

  private async addValidationData(temp: TempOutput, cms: Uint8Array, contentsBytes: number): Promise<void> {
    const source = await fileSource(temp.path);
    try {
      const reader: PdfReader = await openPdf(source, { name: basename(temp.target) });
      const data = await fetchValidationData({
        certificates: [this.signer.certificate, ...this.signer.chain, ...timestampTokenCertificates(cms)],
        timeoutMs: this.options.timeoutMs,
      });
      const entries = { certs: data.certs, ocsps: data.ocsps, crls: data.crls };
      // The VRI key hashes /Contents as written, zero padding included (ISO 32000-2, Table 261).
      const vri = new Map([[vriKey(cms, contentsBytes), entries]]);
      const update = await prepareDssUpdate(reader, { ...entries, vri });
      await temp.append(update.bytes);
    } catch (error) {
      if (isUserFacing(error)) throw new AppError(error.code, `B-LT could not be reached: ${error.message}`);
      throw error;
    } finally {
      await source.close();
    }
  }

  private async addDocumentTimestamp(temp: TempOutput): Promise<void> {
    const tokenSize = await this.measureTimestamp();
    const source = await fileSource(temp.path);
    let prepared;
    try {
      const reader = await openPdf(source, { name: basename(temp.target) });
      prepared = await prepareSignatureUpdate(reader, { kind: 'doc-timestamp', subFilter: 'ETSI.RFC3161', contentsBytes: tokenSize + PLACEHOLDER_MARGIN });
    } finally {
      await source.close();
    }
    const hash = newHash(this.options.hash);
    await temp.hashInto(hash);
    await temp.append(prepared.bytes, hash, gapOf(prepared.byteRange));
    const imprint = new Uint8Array(hash.digest());
    const reply = await requestTimestamp(this.options.tsaUrl ?? '', { imprint, hash: this.options.hash, timeoutMs: this.options.timeoutMs });
    await temp.patch(prepared.contentsOffset, contentsHex(reply.token, prepared.contentsHexLength));
  }
}

/** The /Contents gap of a /ByteRange [0 a b c]: bytes a..b are not signed. */
function gapOf(byteRange: readonly [number, number, number, number]): { start: number; end: number } {
  return { start: byteRange[1], end: byteRange[2] };
}

