// Open documents as the viewer knows them (an opaque handle, never a path to read), and the
// recent list.
import { z } from 'zod';
import { CatalogMessage, DocId } from './common';

export const SignatureSummary = z.object({
  field: z.string(),
  kind: z.enum(['signature', 'doc-timestamp']),
  subFilter: z.string().nullable(),
});

export const DocumentSummary = z.object({
  docId: DocId,
  name: z.string(),
  path: z.string().nullable(),
  size: z.number().int().nonnegative(),
  pdfVersion: z.string(),
  pageCount: z.number().int().nonnegative().nullable(),
  encrypted: z.boolean(),
  signatureCount: z.number().int().nonnegative(),
  revisionCount: z.number().int().nonnegative(),
  signatures: z.array(SignatureSummary),
  /**
   * The file is damaged (a broken cross-reference, a broken object stream...) and carries no
   * signature: what the reader refused. Signing signs a repaired copy; the sign panel says so.
   */
  damage: z.object({ code: z.string().max(100), message: CatalogMessage }).strict().nullable().optional(),
  /** Set when this is the earlier revision a signature covers ("view the signed version"). */
  signedVersion: z
    .object({ of: DocId, field: z.string().nullable(), revision: z.number().int().positive(), revisionCount: z.number().int().positive() })
    .strict()
    .optional(),
});

export const RecentDocument = z.object({
  path: z.string(),
  name: z.string(),
  openedAt: z.string(),
  pageCount: z.number().int().nonnegative().nullable(),
});

export type DocumentSummary = z.output<typeof DocumentSummary>;
export type RecentDocument = z.output<typeof RecentDocument>;
