// The stages of a PAdES signature, each an exported function testable alone (pyHanko's
// PdfSigningSession -> PdfTBSDocument -> post-signature, DESIGN.md "Signing"):
//   prepare  lay out the incremental update on the input (field, widget, appearance, signature
//            dictionary with /ByteRange and a /Contents placeholder), copy the input to the temp
//            output while hashing the byte ranges, and build the CMS signed attributes: what the
//            key must sign (`prepared.request`)
//   finish   the signature value in: complete the CMS (+ RFC 3161 signature timestamp through the
//            Timestamper port), write /Contents in place
//   extend   B-LT: append a DSS (certificates, OCSP, CRL of the signer's and the TSA's chains, from
//            the ValidationDataSource port); B-LTA: then a document timestamp
// Nothing here opens a key, asks a user or reaches the network except through its ports; the
// output is a TempOutput that the caller commits (rename) or discards.
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { AppError, isUserFacing, messageOf, msg } from '../../errors';
import { withCause } from '../../../preload/contract/messages';
import { fileSource, openPdf, prepareDssUpdate, prepareSignatureUpdate, withRepair } from '../../pdf';
import type { Damage, PdfReader, StandardSecurity, VisibleSignatureOptions } from '../../pdf';
import { estimateCadesSize, prepareCades, timestampTokenCertificates, vriKey } from '../../cms';
import type { PreparedCades } from '../../cms';
import type { HashAlgorithm, SignRequest, Signer } from '../../signers/signer';
import { contentsHex, newHash, sourceBytes } from '../signed-output';
import type { InputBytes, TempOutput } from '../signed-output';
import type { ByteSource } from '../../pdf';
import type { EvidenceSink, Timestamper, ValidationDataSource } from './ports';

import type { DocMdpPermission, PadesLevel } from '../../../preload/contract/domain';

export type { PadesLevel } from '../../../preload/contract/domain';

/** Slack beyond the dry run: DER length variations (INTEGER signs, ECDSA r/s) and timestamp tokens of other sizes. */
export const PLACEHOLDER_MARGIN = 1536;

/** What the stages need of a signer: its certificates and key, not its key operations. */
export type SignerProfile = Pick<Signer, 'certificate' | 'chain' | 'keyType' | 'keyBits' | 'algorithms'>;

/**
 * A document to sign as it was opened: the reader reads `source` (lazily), the copy streams
 * `bytes`; both are the same file. The stages never close them (their owner does).
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
  /**
   * The document's password (user's or owner's), for a file encrypted with one: the signature is
   * then written encrypted as the document is. Never logged, never recorded as evidence.
   */
  password?: string;
}

/** A damaged document is read whole before it is repaired: it must still be the one opened. */
async function refuseChanged(input: OpenedInput): Promise<void> {
  const check = createHash('sha256');
  await input.bytes.pump(async (chunk) => {
    check.update(chunk);
  });
  const expected = await input.expected?.sha256();
  if (input.bytes.size !== input.expected?.size || expected === null || expected !== check.digest('hex')) throw inputChanged(input.name);
}

/** The error of a document that is no longer what was opened. */
export function inputChanged(name: string): AppError {
  return new AppError('input-changed', msg('error.app.changed-on-disk', { name }));
}

export interface PrepareOptions {
  hash: HashAlgorithm;
  /** The size of /Contents in bytes (see placeholderSize). */
  contentsBytes: number;
  signingTime: Date;
  field?: string;
  visible?: VisibleSignatureOptions;
  reason?: string;
  location?: string;
  /** DocMDP P: 1 no changes, 2 form filling and signing, 3 also annotations. */
  certify?: DocMdpPermission;
  evidence?: EvidenceSink;
}

/** A document laid out and hashed, waiting for its signature value. */
export interface PreparedDocument {
  /** What is signed: the document as opened, or its repaired copy. */
  input: OpenedInput;
  /** The document was damaged and its repaired copy is signed (null for a sound document). */
  repaired: { damage: Damage; objects: number } | null;
  temp: TempOutput;
  field: string;
  byteRange: readonly [number, number, number, number];
  /** hash(the two byte ranges): the CMS message-digest. */
  contentDigest: Uint8Array;
  /** The DER signed attributes: what is signed. */
  signedAttributes: Uint8Array;
  /** What the key signs (hand it to Signer.sign or, with others, to Signer.signMany). */
  request: SignRequest;
  contentsOffset: number;
  contentsHexLength: number;
  signingTime: Date;
  hash: HashAlgorithm;
  cades: PreparedCades;
  /** The security handler that opened an encrypted input (its key): extend reopens the output with it. */
  security: StandardSecurity | null;
}

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
const nowIso = (): string => new Date().toISOString();

/** prepare: see the file comment. `temp` must be empty; on failure the caller discards it. */
export async function prepare(opened: OpenedInput, temp: TempOutput, profile: SignerProfile, options: PrepareOptions): Promise<PreparedDocument> {
  const layOut = async (reader: PdfReader) => ({ security: reader.security, laidOut: await prepareSignatureUpdate(reader, {
    kind: 'signature',
    fieldName: options.field,
    visible: options.visible,
    subFilter: 'ETSI.CAdES.detached',
    signingTime: options.signingTime,
    reason: options.reason,
    location: options.location,
    docMdp: options.certify,
    contentsBytes: options.contentsBytes,
  }) });
  // A damaged document without signatures is signed as its repaired copy (main/pdf/repair.ts):
  // the update is laid out on the copy, and the copy is what the output starts with. (A damaged
  // encrypted one is refused: its copy could not keep the encryption of what it copies.)
  const { result: { laidOut, security }, repaired } = await withRepair(opened.source, { name: opened.name, password: opened.password }, layOut);
  if (repaired && opened.expected) await refuseChanged(opened);
  const input: OpenedInput = repaired
    ? { path: opened.path, name: opened.name, source: repaired.source, bytes: sourceBytes(repaired.source) }
    : opened;

  // The very bytes the update was laid out on, checked against what was opened. Their SHA-256 is
  // the document digest's state once they are copied (they all precede /Contents) when the
  // signature hashes with SHA-256: one pass over a large file, not two (issue 11). With another
  // digest, a second hash runs only for what needs it (the opened file's check, the evidence).
  const hash = newHash(options.hash);
  const check = options.hash === 'sha256' || (!input.expected && !options.evidence) ? undefined : createHash('sha256');
  await temp.copyFrom(input.bytes, hash, check);
  const copied = temp.size();
  if (copied !== input.source.size || copied !== input.bytes.size) throw inputChanged(input.name);
  const inputSha256 = options.hash === 'sha256' ? hash.copy().digest('hex') : check?.digest('hex') ?? '';
  if (input.expected) {
    const expected = await input.expected.sha256();
    if (copied !== input.expected.size || expected === null || expected !== inputSha256) throw inputChanged(input.name);
  }
  await options.evidence?.record({ stage: 'input', at: nowIso(), document: input.name, size: copied, sha256: inputSha256 });
  await temp.append(laidOut.bytes, hash, gapOf(laidOut.byteRange));
  const contentDigest = new Uint8Array(hash.digest());

  const cades = prepareCades({
    contentDigest,
    hash: options.hash,
    algorithm: profile.algorithms[0] ?? 'rsa-pkcs1',
    signerCertificate: profile.certificate,
    chain: profile.chain,
  });
  await options.evidence?.record({
    stage: 'prepared',
    at: nowIso(),
    document: input.name,
    field: laidOut.fieldName,
    byteRange: laidOut.byteRange,
    hash: options.hash,
    contentDigest: hex(contentDigest),
    signedAttributesDigest: hex(cades.request.digest),
  });
  return {
    input,
    repaired: repaired && { damage: repaired.damage, objects: repaired.objects },
    temp,
    field: laidOut.fieldName,
    byteRange: laidOut.byteRange,
    contentDigest,
    signedAttributes: cades.signedAttributes,
    request: cades.request,
    contentsOffset: laidOut.contentsOffset,
    contentsHexLength: laidOut.contentsHexLength,
    signingTime: options.signingTime,
    hash: options.hash,
    cades,
    security,
  };
}

export interface FinishedDocument {
  /** The CMS written into /Contents. */
  cms: Uint8Array;
  timestampedAt: string | null;
}

/** finish: the signature value (checked against the certificate) into the CMS, the CMS into /Contents. */
export async function finish(
  prepared: PreparedDocument,
  signature: Uint8Array,
  ports: { timestamper?: Timestamper; evidence?: EvidenceSink; signal?: AbortSignal } = {},
): Promise<FinishedDocument> {
  let timestampedAt: string | null = null;
  const { timestamper } = ports;
  const cms = await prepared.cades.complete(signature, timestamper
    ? async (signatureValue) => {
        const imprint = new Uint8Array(newHash(prepared.hash).update(signatureValue).digest());
        const reply = await timestamper.timestamp({ imprint, hash: prepared.hash, signal: ports.signal });
        timestampedAt = reply.genTime.toISOString();
        return reply.token;
      }
    : undefined);
  if (cms.length * 2 > prepared.contentsHexLength) {
    throw new AppError('placeholder-too-small', msg('error.app.placeholder-too-small', { bytes: cms.length }));
  }
  await prepared.temp.patch(prepared.contentsOffset, contentsHex(cms, prepared.contentsHexLength));
  await ports.evidence?.record({ stage: 'signed', at: nowIso(), document: prepared.input.name, signatureSha256: createHash('sha256').update(cms).digest('hex'), timestampedAt });
  return { cms, timestampedAt };
}

export interface ExtendPorts {
  hash: HashAlgorithm;
  /** B-LT and B-LTA. */
  validationData?: ValidationDataSource;
  /** B-LTA. */
  timestamper?: Timestamper;
  /** The size of the document timestamp's /Contents (tokenSize + margin). */
  docTimestampBytes?: number;
  evidence?: EvidenceSink;
  signal?: AbortSignal;
}

/**
 * extend: B-LT appends the DSS for the signature `cms` (written in a /Contents of
 * `contentsBytes`), B-LTA then a document timestamp. B-B and B-T: nothing. An encrypted
 * document is reopened with `security` (prepared.security), and what is added is encrypted too.
 */
export async function extend(
  temp: TempOutput,
  signature: { cms: Uint8Array; contentsBytes: number; document: string; signer: SignerProfile; security?: StandardSecurity | null },
  level: PadesLevel,
  ports: ExtendPorts,
): Promise<void> {
  if (level === 'B-LT' || level === 'B-LTA') {
    if (!ports.validationData) throw new AppError('validation-data-required', msg('error.app.validation-data-required', { level }));
    await addValidationData(temp, signature, ports.validationData, ports.signal);
  }
  if (level === 'B-LTA') {
    if (!ports.timestamper) throw new AppError('tsa-required', msg('error.app.tsa-required', { level }));
    await addDocumentTimestamp(temp, ports.timestamper, ports.hash, ports.docTimestampBytes ?? 8192, ports.signal, signature.security ?? null);
  }
  if (level !== 'B-B' && level !== 'B-T') await ports.evidence?.record({ stage: 'extended', at: nowIso(), document: signature.document, level });
}

async function addValidationData(
  temp: TempOutput,
  signature: { cms: Uint8Array; contentsBytes: number; signer: SignerProfile; security?: StandardSecurity | null },
  source: ValidationDataSource,
  signal: AbortSignal | undefined,
): Promise<void> {
  const file = await fileSource(temp.path);
  try {
    const reader: PdfReader = await openPdf(file, { name: basename(temp.target), security: signature.security });
    const entries = await source.collect([signature.signer.certificate, ...signature.signer.chain, ...timestampTokenCertificates(signature.cms)], { signal });
    // The VRI key hashes /Contents as written, zero padding included (ISO 32000-2, Table 261).
    const vri = new Map([[vriKey(signature.cms, signature.contentsBytes), entries]]);
    const update = await prepareDssUpdate(reader, { ...entries, vri });
    await temp.append(update.bytes);
  } catch (error) {
    if (isUserFacing(error)) throw new AppError(error.code, msg('error.app.lt-failed', withCause({}, messageOf(error))), { cause: error });
    throw error;
  } finally {
    await file.close();
  }
}

async function addDocumentTimestamp(
  temp: TempOutput,
  timestamper: Timestamper,
  hashAlgorithm: HashAlgorithm,
  contentsBytes: number,
  signal: AbortSignal | undefined,
  security: StandardSecurity | null,
): Promise<void> {
  const file = await fileSource(temp.path);
  let laidOut;
  try {
    const reader = await openPdf(file, { name: basename(temp.target), security });
    laidOut = await prepareSignatureUpdate(reader, { kind: 'doc-timestamp', subFilter: 'ETSI.RFC3161', contentsBytes });
  } finally {
    await file.close();
  }
  const hash = newHash(hashAlgorithm);
  await temp.hashInto(hash);
  await temp.append(laidOut.bytes, hash, gapOf(laidOut.byteRange));
  const imprint = new Uint8Array(hash.digest());
  const reply = await timestamper.timestamp({ imprint, hash: hashAlgorithm, signal });
  await temp.patch(laidOut.contentsOffset, contentsHex(reply.token, laidOut.contentsHexLength));
}

/**
 * The /Contents size for this signer: a dry run of the CMS with a signature of the key's largest
 * size and a timestamp token of `timestampTokenSize` bytes, plus a margin.
 */
export async function placeholderSize(profile: SignerProfile, hash: HashAlgorithm, timestampTokenSize?: number): Promise<number> {
  const size = await estimateCadesSize({
    signerCertificate: profile.certificate,
    chain: profile.chain,
    keyType: profile.keyType,
    keyBits: profile.keyBits,
    hash,
    timestampTokenSize,
  });
  return size + PLACEHOLDER_MARGIN;
}

/** The /Contents gap of a /ByteRange [0 a b c]: bytes a..b are not signed. */
function gapOf(byteRange: readonly [number, number, number, number]): { start: number; end: number } {
  return { start: byteRange[1], end: byteRange[2] };
}
