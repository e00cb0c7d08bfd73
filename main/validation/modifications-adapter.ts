// The one place the validator asks what changed after a signature: `analyzeModifications` of
// ./modifications.ts (written separately), behind this adapter so its shape can change in one place.
import type { PdfReader } from '../pdf';
import { analyzeModifications } from './modifications';
import type { ModificationLevel } from './modifications';

export type Modifications = ModificationLevel;

export interface ModificationReport {
  modifications: Modifications;
  /** Whether the changes are allowed by the permissions in force (DocMDP/FieldMDP). */
  allowed: boolean;
  details: string[];
  /** False when the analysis failed: the changes were not judged. */
  analysed: boolean;
}

export async function modificationsAfter(reader: PdfReader, signedRevision: number): Promise<ModificationReport> {
  const last = reader.revisions.at(-1)?.number ?? signedRevision;
  if (signedRevision >= last) return { modifications: 'none', allowed: true, details: [], analysed: true };
  try {
    const analysis = await analyzeModifications(reader, signedRevision);
    return { modifications: analysis.modifications, allowed: analysis.allowed, details: analysis.details, analysed: true };
  } catch (error) {
    // The analysis could not read an update: report the change as 'other', not judged.
    return { modifications: 'other', allowed: true, details: [error instanceof Error ? error.message : String(error)], analysed: false };
  }
}
