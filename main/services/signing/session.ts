// One signer, one batch: the stages of ./stages.ts run for each document, with the ports given.
//   sign(input, output)   one document: prepare -> sign -> finish -> extend -> commit
//   signBatch(items)      N documents: prepare all, hand the N digests to ONE Signer.signMany (one
//                         PIN, one CSC authorization, one OTP), then finish and extend each
// Backends authorized per call (Signer.batch: CSC, OTP) get batches; backends authorized once per
// session (a token's login, a software key) sign document by document, a few in flight.
// Nothing is written to the output until every step succeeded: the temp file is renamed last.
// No silent downgrade: if the asked level cannot be reached, nothing is written and the error
// says which step failed.
import { createHash } from 'node:crypto';
import { open, readFile, stat } from 'node:fs/promises';
import type { FileHandle } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { AppError, msg } from '../../errors';
import { fileSource } from '../../pdf';
import type { AppearanceLabels, Damage, VisibleSignatureOptions } from '../../pdf';
import { signingPathFailures } from '../../cms';
import { describeCertificate } from '../../signers';
import type { HashAlgorithm, SignRequest, Signer } from '../../signers/signer';
import { refuseInputAsOutput } from '../same-file';
import { TempOutput, handleBytes, newHash } from '../signed-output';
import type { EvidenceSink, Timestamper, ValidationDataSource } from './ports';
import { onlineValidationData, tsaTimestamper } from './remote-ports';
import { extend, finish, inputChanged, PLACEHOLDER_MARGIN, placeholderSize, prepare } from './stages';
import type { OpenedInput, PadesLevel, PreparedDocument } from './stages';
import type { DocMdpPermission } from '../../../preload/contract/domain';

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
  certify?: DocMdpPermission;
  /** The clock (tests). */
  now?: () => Date;
  /** Timestamp request timeout. */
  timeoutMs?: number;
}

/** The ports of a session; what is not given is built from the options (the TSA at tsaUrl, online revocation data). */
export interface SessionPorts {
  timestamper?: Timestamper;
  validationData?: ValidationDataSource;
  evidence?: EvidenceSink;
}

export interface SignResult {
  input: string;
  output: string;
  field: string;
  level: PadesLevel;
  size: number;
  signedAt: string;
  timestampedAt: string | null;
  /** The input was damaged: its repaired copy was signed (main/pdf/repair.ts); null otherwise. */
  repaired: { damage: Damage; objects: number } | null;
}

const FONT = 'assets/fonts/DejaVuSans.ttf';

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
 * Opens `path` once for the reader and once for the copy, and checks both name the same file
 * (same size; and the path still leads to the file the copy reads).
 */
async function openInputFile(path: string, password: string | undefined): Promise<{ input: OpenedInput; close: () => Promise<void> }> {
  const source = await fileSource(path, { name: basename(path) });
  let handle: FileHandle | null = null;
  try {
    handle = await open(path, 'r');
    const [held, named] = await Promise.all([handle.stat(), stat(path)]);
    if (!held.isFile() || held.size !== source.size || held.dev !== named.dev || held.ino !== named.ino) throw inputChanged(basename(path));
    const opened = handle;
    return {
      input: { path, name: basename(path), source, bytes: handleBytes(opened, held.size), ...(password === undefined ? {} : { password }) },
      close: async () => {
        await Promise.allSettled([opened.close(), source.close()]);
      },
    };
  } catch (error) {
    await Promise.allSettled([handle?.close(), source.close()]);
    throw error;
  }
}

const cancelled = () => new AppError('cancelled', msg('error.app.cancelled'));

/** Throws `cancelled` if `signal` fired: between the steps of work that owns files. */
function refuseIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw cancelled();
}

/**
 * Rejects with `cancelled` when `signal` fires, whatever `work` does (it may never settle): for the
 * key operation only, which holds no file of ours (a token or a remote service that hangs).
 */
function unlessAborted<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
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
  const subject = describeCertificate(signer.certificate).subject;
  // The catalog selects its words on the code; ICU selectors take no hyphen.
  throw new AppError('unusable-certificate', msg('error.app.unusable-chain', { subject, problem: failure.code.replace(/-/g, '_'), certificate: failure.certificate }));
}

/** Many requests in one signMany call (one by one without it, or for a single request). */
async function signAll(signer: Signer, requests: SignRequest[]): Promise<Uint8Array[]> {
  if (requests.length === 0) return [];
  if (!signer.signMany || requests.length === 1) {
    const out: Uint8Array[] = [];
    for (const request of requests) out.push(await signer.sign(request));
    return out;
  }
  const signatures = await signer.signMany(requests);
  if (signatures.length !== requests.length) throw new Error(`internal: signMany returned ${signatures.length} signatures for ${requests.length} requests`);
  return signatures;
}

/** One document of a batch: where it comes from and where its signed copy goes. */
export interface BatchItem {
  input: string | OpenedInput;
  output: string;
  /** The document's password, for an encrypted input (an OpenedInput may carry its own). */
  password?: string;
}

export type BatchOutcome = { ok: true; result: SignResult } | { ok: false; error: unknown };

/** One signer, one batch: the TSA token size is measured once (dry run) and reused. */
export class SigningSession {
  private timestampSize: Promise<number> | null = null;
  private chainChecked: Promise<void> | null = null;
  private readonly timestamper: Timestamper | undefined;
  private readonly validationData: ValidationDataSource;
  private readonly evidence: EvidenceSink | undefined;
  private identityRecorded = false;

  constructor(
    private readonly signer: Signer,
    private readonly options: SignOptions,
    /** Where assets/ lives (the app or the CLI install). */
    private readonly root: string,
    ports: SessionPorts = {},
  ) {
    this.timestamper = ports.timestamper ?? (options.tsaUrl ? tsaTimestamper(options.tsaUrl, { timeoutMs: options.timeoutMs }) : undefined);
    if (needsTsa(options.level) && !this.timestamper) {
      throw new AppError('tsa-required', msg('error.app.tsa-required', { level: options.level }));
    }
    this.validationData = ports.validationData ?? onlineValidationData({ timeoutMs: options.timeoutMs });
    this.evidence = ports.evidence;
  }

  /**
   * Signs `input` into `output`. The input is only read; the output appears whole or not at all,
   * and never replaces the input (also through a symbolic link). `signal` cancels (a hang too):
   * the temp file is removed at once.
   */
  async sign(input: string | OpenedInput, output: string, control: { signal?: AbortSignal } = {}): Promise<SignResult> {
    const [outcome] = await this.run([{ input, output }], control);
    if (!outcome) throw new Error('internal: no outcome');
    if (!outcome.ok) throw outcome.error;
    return outcome.result;
  }

  /**
   * Signs every item with ONE Signer.signMany over all their digests (one authorization for the
   * batch, when the backend allows it). Each item succeeds or fails on its own: a document that
   * cannot be prepared does not stop the others; when signing itself fails, every document fails.
   */
  async signBatch(items: readonly BatchItem[], control: { signal?: AbortSignal } = {}): Promise<BatchOutcome[]> {
    return this.run(items, control);
  }

  /**
   * prepare each (a few at a time) -> sign all in one call -> finish, extend and commit each. Every
   * document's work settles before its files are closed and its temp file removed: on cancel, the
   * steps that own files stop at their next step (the network ones through `signal`), and only the
   * key operation is left behind (it owns none).
   */
  private async run(items: readonly BatchItem[], control: { signal?: AbortSignal }): Promise<BatchOutcome[]> {
    const { signal } = control;
    const now = (this.options.now ?? (() => new Date()))();
    const slots = items.map((item) => ({
      item,
      outputPath: resolve(item.output),
      inputPath: typeof item.input === 'string' ? resolve(item.input) : item.input.path === null ? null : resolve(item.input.path),
      opened: null as { input: OpenedInput; close: () => Promise<void> } | null,
      temp: null as TempOutput | null,
      prepared: null as PreparedDocument | null,
      outcome: null as BatchOutcome | null,
    }));
    // Never throws: one document's failure (or a failing evidence sink) is that document's outcome only.
    const fail = async (slot: (typeof slots)[number], error: unknown) => {
      slot.outcome = { ok: false, error };
      const document = slot.opened?.input.name ?? (slot.inputPath === null ? '' : basename(slot.inputPath));
      const code = (error as { code?: unknown } | null | undefined)?.code;
      try {
        await this.evidence?.record({ stage: 'failed', at: new Date().toISOString(), document, code: typeof code === 'string' ? code : 'internal' });
      } catch {
        // The document failed already; its outcome says why.
      }
    };
    try {
      // Once per session (one signer): nothing is signed with a certificate whose own chain breaks
      // RFC 5280's issuer rules (a certificate "issued" by an end-entity certificate, say).
      this.chainChecked ??= refuseBrokenChain(this.signer, now);
      await this.chainChecked;
      await this.recordIdentity();
      // prepare each
      await eachAtMost(STAGE_CONCURRENCY, slots, async (slot) => {
        try {
          refuseIfAborted(signal);
          if (slot.inputPath !== null) await refuseInputAsOutput(slot.inputPath, slot.outputPath);
          const { password } = slot.item;
          slot.opened = typeof slot.item.input === 'string'
            ? await openInputFile(slot.inputPath ?? slot.item.input, password)
            : { input: password === undefined ? slot.item.input : { ...slot.item.input, password }, close: async () => undefined };
          refuseIfAborted(signal);
          slot.temp = await TempOutput.create(slot.outputPath).catch((error: unknown) => {
            throw new AppError('output-not-writable', msg('error.app.output-not-writable', { path: slot.outputPath, code: (error as NodeJS.ErrnoException).code ?? 'error' }));
          });
          refuseIfAborted(signal);
          slot.prepared = await prepare(slot.opened.input, slot.temp, this.signer, {
            hash: this.options.hash,
            contentsBytes: await this.contentsBytes(),
            signingTime: now,
            field: this.options.field,
            visible: this.options.visible ? await this.visibleSignature(this.options.visible, now) : undefined,
            reason: this.options.reason,
            location: this.options.location,
            certify: this.options.certify,
            evidence: this.evidence,
          });
        } catch (error) {
          await fail(slot, error);
        }
      });
      // sign: one call for every prepared document
      const ready = slots.filter((s) => s.prepared !== null);
      let signatures: Uint8Array[] | null = null;
      if (ready.length > 0) {
        try {
          signatures = await unlessAborted(signAll(this.signer, ready.map((s) => (s.prepared as PreparedDocument).request)), signal);
        } catch (error) {
          for (const slot of ready) await fail(slot, error);
        }
      }
      // finish, extend, commit each
      if (signatures) {
        const signed = signatures;
        await eachAtMost(STAGE_CONCURRENCY, ready, async (slot, i) => {
          try {
            slot.outcome = { ok: true, result: await this.complete(slot, signed[i] as Uint8Array, signal) };
            slot.temp = null;
          } catch (error) {
            await fail(slot, error);
          }
        });
      }
    } catch (error) {
      for (const slot of slots) if (!slot.outcome) slot.outcome = { ok: false, error };
    } finally {
      await Promise.all(slots.map(async (slot) => {
        await slot.temp?.discard();
        await slot.opened?.close();
      }));
    }
    return slots.map((s) => s.outcome ?? { ok: false, error: new Error('internal: no outcome') });
  }

  private async complete(
    slot: { prepared: PreparedDocument | null; temp: TempOutput | null; inputPath: string | null; outputPath: string; opened: { input: OpenedInput } | null },
    signature: Uint8Array,
    signal: AbortSignal | undefined,
  ): Promise<SignResult> {
    const prepared = slot.prepared as PreparedDocument;
    const temp = slot.temp as TempOutput;
    const { options } = this;
    refuseIfAborted(signal);
    const finished = await finish(prepared, signature, { timestamper: needsTsa(options.level) ? this.timestamper : undefined, evidence: this.evidence, signal });
    await extend(temp, { cms: finished.cms, contentsBytes: prepared.contentsHexLength / 2, document: prepared.input.name, signer: this.signer, security: prepared.security }, options.level, {
      hash: options.hash,
      validationData: this.validationData,
      timestamper: this.timestamper,
      docTimestampBytes: options.level === 'B-LTA' ? (await this.measureTimestamp()) + PLACEHOLDER_MARGIN : undefined,
      evidence: this.evidence,
      signal,
    });
    const size = temp.size();
    if (this.evidence) {
      const hash = createHash('sha256');
      await temp.hashInto(hash);
      await this.evidence.record({ stage: 'output', at: new Date().toISOString(), document: prepared.input.name, output: slot.outputPath, size, sha256: hash.digest('hex') });
    }
    // The last moment a cancel counts: after the rename the signed copy exists, and says so.
    refuseIfAborted(signal);
    await temp.commit();
    return {
      input: slot.inputPath ?? prepared.input.name,
      output: slot.outputPath,
      field: prepared.field,
      level: options.level,
      size,
      signedAt: prepared.signingTime.toISOString(),
      timestampedAt: finished.timestampedAt,
      repaired: prepared.repaired,
    };
  }

  private async recordIdentity(): Promise<void> {
    if (!this.evidence || this.identityRecorded) return;
    this.identityRecorded = true;
    const description = describeCertificate(this.signer.certificate);
    await this.evidence.record({ stage: 'identity', at: new Date().toISOString(), signer: this.signer.label, subject: description.subject, certificateSha256: description.fingerprintSha256 });
  }

  /** The appearance of a visible signature: the signer's name, the date, reason, location and image. */
  private async visibleSignature(where: NonNullable<SignOptions['visible']>, now: Date): Promise<VisibleSignatureOptions> {
    const { signer, options } = this;
    // Loaded only for visible signatures (fontkit and pngjs are slow to set up).
    const [font, { buildSignatureAppearance }] = await Promise.all([loadAppearanceFont(this.root), import('../../pdf/appearance')]);
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
  private async contentsBytes(): Promise<number> {
    const tokenSize = needsTsa(this.options.level) ? await this.measureTimestamp() : undefined;
    return placeholderSize(this.signer, this.options.hash, tokenSize);
  }

  /** The size of this TSA's tokens, measured once per session (concurrent documents share it). */
  private measureTimestamp(): Promise<number> {
    const timestamper = this.timestamper;
    if (!timestamper) return Promise.reject(new AppError('tsa-required', msg('error.app.tsa-required', { level: this.options.level })));
    this.timestampSize ??= (async () => {
      const imprint = new Uint8Array(newHash(this.options.hash).update(`paraphe dry run ${Date.now()}`).digest());
      const reply = await timestamper.timestamp({ imprint, hash: this.options.hash });
      return reply.token.length;
    })();
    // A failed measurement is not cached: the next document tries again.
    this.timestampSize.catch(() => {
      this.timestampSize = null;
    });
    return this.timestampSize;
  }
}

/**
 * How many documents are hashed or finished at once: each stage streams its whole document, so a
 * batch of 200 must not read 200 files side by side (memory, descriptors, a 2-core machine).
 */
const STAGE_CONCURRENCY = 4;

/** Runs `work` over every item, at most `limit` at a time, in order of start; rejects (after all lanes ended) if `work` did. */
export async function eachAtMost<T>(limit: number, items: readonly T[], work: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      await work(items[index] as T, index);
    }
  };
  // Every lane runs to its end before a failure is passed on: no work is left running behind.
  const lanes = await Promise.allSettled(Array.from({ length: Math.min(limit, items.length) }, lane));
  const failed = lanes.find((l): l is PromiseRejectedResult => l.status === 'rejected');
  if (failed) throw failed.reason;
}
