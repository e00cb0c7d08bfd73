// Building blocks of every domain of the contract: bytes, opaque handles, paths, fingerprints and
// one-call secrets. Nothing here is a channel; the domain files build their schemas from these.
import { z } from 'zod';

/** Raw bytes crossing the boundary (structured clone in Electron; base64 in the browser harness). */
export const Bytes = z.custom<Uint8Array>((v) => v instanceof Uint8Array, 'expected bytes');

/** Opaque handle of an open document; minted by main, never a path. */
export const DocId = z.string().regex(/^doc-[0-9a-f]{16}$/, 'not a document handle');

/** A local filesystem path chosen by the user (dialog, drop, recent list, command line). */
export const FilePath = z.string().min(1).max(4096).refine((p) => !p.includes('\0'), 'path contains a NUL byte');

/** SHA-256 of a certificate's DER, lower-case hex. */
export const Fingerprint = z.string().regex(/^[0-9a-f]{64}$/, 'not a SHA-256 fingerprint');

/** A secret typed by the user for one call; never stored, logged or sent back. */
export const Secret = z.string().min(1).max(1024);

/** A catalog message from main (assets/locales), worded where it is shown: its key and its params (plain data). */
export const CatalogMessage = z
  .object({
    key: z.string().max(200),
    params: z.record(z.string().max(100), z.union([z.string().max(4096), z.number()])).optional(),
  })
  .strict();
