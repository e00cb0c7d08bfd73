// A signature as the sign panel asks for it: where it goes on the page, its texts, its PAdES
// level and timestamp server, the certification; and the one-call passwords (identity, document).
import { z } from 'zod';
import { CERTIFY_MODES, PADES_LEVELS } from '../domain';
import { DocId, Secret } from './common';
import { IdentityId } from './identities';

export const PadesLevel = z.enum(PADES_LEVELS);
export const CertifyMode = z.enum(CERTIFY_MODES);

/** Free text of a signature (reason, location): one line or a few, no NUL. */
export const SignatureText = z.string().max(500).refine((t) => !t.includes('\0'), 'text contains a NUL byte');
/** Size of a signature rectangle in points. */
export const Points = z.number().finite().min(8).max(14_400);
const Coordinate = z.number().finite().min(-14_400).max(28_800);

export const SignaturePlacement = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('invisible') }).strict(),
  z
    .object({
      kind: z.literal('visible'),
      /** 1-based page number. */
      page: z.number().int().min(1).max(1_000_000),
      /** [x1, y1, x2, y2] in the page's default user space (PDF points, origin bottom-left). */
      rect: z.tuple([Coordinate, Coordinate, Coordinate, Coordinate]),
    })
    .strict()
    .refine((p) => Math.abs(p.rect[2] - p.rect[0]) >= 8 && Math.abs(p.rect[3] - p.rect[1]) >= 8, 'the rectangle must be at least 8 points wide and high'),
]);

/** A timestamp server: http(s) only. Missing, it says which levels need it. */
const TsaUrl = z
  .string({ error: (issue) => (issue.input === undefined ? 'levels B-T, B-LT and B-LTA need a timestamp server URL' : undefined) })
  .max(2048)
  .refine((u) => {
    try {
      const url = new URL(u);
      return url.protocol === 'http:' || url.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'not an http(s) URL');

/** What a sign request carries at every level. */
const SignRequestFields = {
  docId: DocId,
  identityId: IdentityId,
  /**
   * What the user typed in the sign panel for this one signature, for an identity that takes one
   * (`Identity.needsPassword`: a .p12's password, a remote account's secret); main
   * refuses it for any other, its providers refuse it missing, and ask for PINs and one-time
   * passwords themselves. Never stored, logged or sent back.
   */
  password: Secret.optional(),
  /**
   * The password of an encrypted document, as the user typed it to open the document in the
   * viewer (pdf.js): main signs with it, keeping the document encrypted. Never stored, logged or
   * sent back.
   */
  documentPassword: Secret.optional(),
  placement: SignaturePlacement,
  reason: SignatureText.optional(),
  location: SignatureText.optional(),
  certify: CertifyMode.optional(),
};

/**
 * A signature of the open document, one shape per kind of level: B-B has no timestamp server (a
 * `tsaUrl` sent with it is refused, not ignored: the renderer sends none), B-T, B-LT and B-LTA
 * require one.
 */
export const SignRequest = z.discriminatedUnion('level', [
  z.object({ ...SignRequestFields, level: z.literal('B-B') }).strict(),
  z.object({ ...SignRequestFields, level: PadesLevel.exclude(['B-B']), tsaUrl: TsaUrl }).strict(),
]);

/**
 * What the sign panel says before the user signs with an identity (main decides it from the
 * identity's certificates, the issuer certificates of settings and the system store).
 * CHAIN_INCOMPLETE: the chain of `subject`'s certificate reaches no root, so validators find no
 * issuer; `stopsAt` names the last certificate it reaches, null when the certificate comes alone.
 */
export const SigningWarning = z.discriminatedUnion('code', [
  z.object({ code: z.literal('CHAIN_INCOMPLETE'), subject: z.string().max(1024), stopsAt: z.string().max(1024).nullable() }).strict(),
]);

export type SigningWarning = z.output<typeof SigningWarning>;
export type PadesLevel = z.output<typeof PadesLevel>;
export type CertifyMode = z.output<typeof CertifyMode>;
export type SignaturePlacement = z.output<typeof SignaturePlacement>;
export type SignRequest = z.output<typeof SignRequest>;
