// Every finding of the validator: a stable machine code (tests, --json, the renderer's panel) and
// one sentence in English and in French, in plain words for office staff. One table, keyed by code.

export type ReasonCode =
  | 'BYTE_RANGE_MALFORMED'
  | 'BYTE_RANGE_NOT_REVISION'
  | 'CONTENTS_MISSING'
  | 'CONTAINER_UNREADABLE'
  | 'DIGEST_MISMATCH'
  | 'SIGNATURE_INVALID'
  | 'SIGNER_CERTIFICATE_MISSING'
  | 'UNSUPPORTED_SUBFILTER'
  | 'UNSUPPORTED_ALGORITHM'
  | 'CHAIN_UNTRUSTED'
  | 'CHAIN_ISSUER_NOT_CA'
  | 'CHAIN_ISSUER_KEY_USAGE'
  | 'CHAIN_PATH_LENGTH'
  | 'CHAIN_CERT_EXPIRED'
  | 'CHAIN_CERT_NOT_YET_VALID'
  | 'CHAIN_UNKNOWN_CRITICAL_EXTENSION'
  | 'CHAIN_NAME_CONSTRAINTS'
  | 'CHAIN_EKU'
  | 'CERTIFICATE_EXPIRED'
  | 'KEY_USAGE_NOT_SIGNING'
  | 'CERTIFICATE_REVOKED'
  | 'REVOCATION_UNKNOWN'
  | 'REVOKED_AFTER_SIGNING'
  | 'REVOCATION_NOT_FRESH'
  | 'REVOCATION_NOT_YET_VALID'
  | 'TIMESTAMP_INVALID'
  | 'CLAIMED_TIME_AFTER_TIMESTAMP'
  | 'TIMESTAMP_UNTRUSTED'
  | 'TIMESTAMP_IMPRINT_MISMATCH'
  | 'TIMESTAMP_REVOKED'
  | 'TIMESTAMP_REVOCATION_UNKNOWN'
  | 'MODIFIED_NOT_ALLOWED'
  | 'MODIFICATIONS_NOT_ANALYSED';

export interface ReasonText {
  readonly en: string;
  readonly fr: string;
}

/** What each code means; `detail` (English, technical) is appended to the English sentence only. */
export const REASONS: Readonly<Record<ReasonCode, ReasonText>> = {
  BYTE_RANGE_MALFORMED: {
    en: 'The signature does not say properly which parts of the file it protects.',
    fr: 'La signature n’indique pas correctement quelles parties du fichier elle protège.',
  },
  BYTE_RANGE_NOT_REVISION: {
    en: 'The signature does not protect a complete version of the document.',
    fr: 'La signature ne protège pas une version complète du document.',
  },
  CONTENTS_MISSING: {
    en: 'The signature value is missing from the document.',
    fr: 'La valeur de la signature est absente du document.',
  },
  CONTAINER_UNREADABLE: {
    en: 'The signature data cannot be read.',
    fr: 'Les données de la signature sont illisibles.',
  },
  DIGEST_MISMATCH: {
    en: 'The document was changed after it was signed: the signed content no longer matches.',
    fr: 'Le document a été modifié après la signature : le contenu signé ne correspond plus.',
  },
  SIGNATURE_INVALID: {
    en: 'The signature does not match the certificate of its signer.',
    fr: 'La signature ne correspond pas au certificat du signataire.',
  },
  SIGNER_CERTIFICATE_MISSING: {
    en: 'The certificate of the signer is not in the document.',
    fr: 'Le certificat du signataire ne figure pas dans le document.',
  },
  UNSUPPORTED_SUBFILTER: {
    en: 'This kind of signature is not supported.',
    fr: 'Ce type de signature n’est pas pris en charge.',
  },
  UNSUPPORTED_ALGORITHM: {
    en: 'The signature uses an algorithm that cannot be checked.',
    fr: 'La signature utilise un algorithme qui ne peut pas être vérifié.',
  },
  CHAIN_UNTRUSTED: {
    en: 'The identity of the signer cannot be confirmed: the certificate does not come from a trusted authority.',
    fr: 'L’identité du signataire ne peut pas être confirmée : le certificat ne provient pas d’une autorité de confiance.',
  },
  // Why a chain is not trusted (RFC 5280 path validation, main/cms/path.ts); they come with
  // CHAIN_UNTRUSTED (a signer) or TIMESTAMP_UNTRUSTED (a timestamp authority), whose chain it is.
  CHAIN_ISSUER_NOT_CA: {
    en: 'A certificate in the chain was issued by someone who is not a certification authority, so nobody vouches for it.',
    fr: 'Un certificat de la chaîne a été émis par quelqu’un qui n’est pas une autorité de certification : personne ne s’en porte garant.',
  },
  CHAIN_ISSUER_KEY_USAGE: {
    en: 'A certificate in the chain was issued by an authority whose certificate does not allow it to issue certificates.',
    fr: 'Un certificat de la chaîne a été émis par une autorité dont le certificat ne l’autorise pas à émettre des certificats.',
  },
  CHAIN_PATH_LENGTH: {
    en: 'The chain has more intermediate authorities than the authority above them allows.',
    fr: 'La chaîne compte plus d’autorités intermédiaires que l’autorité au-dessus d’elles ne le permet.',
  },
  CHAIN_CERT_EXPIRED: {
    en: 'A certificate in the chain had expired at the time that counts for this signature.',
    fr: 'Un certificat de la chaîne était expiré au moment qui compte pour cette signature.',
  },
  CHAIN_CERT_NOT_YET_VALID: {
    en: 'A certificate in the chain was not yet valid at the time that counts for this signature.',
    fr: 'Un certificat de la chaîne n’était pas encore valide au moment qui compte pour cette signature.',
  },
  CHAIN_UNKNOWN_CRITICAL_EXTENSION: {
    en: 'A certificate in the chain contains a mandatory rule that cannot be understood, so it cannot be relied on.',
    fr: 'Un certificat de la chaîne contient une règle obligatoire qui ne peut pas être comprise : on ne peut donc pas s’y fier.',
  },
  CHAIN_NAME_CONSTRAINTS: {
    en: 'A certificate in the chain bears a name that its authority is not allowed to certify.',
    fr: 'Un certificat de la chaîne porte un nom que son autorité n’a pas le droit de certifier.',
  },
  CHAIN_EKU: {
    en: 'The certificate is not meant for this use (signing documents, or timestamping for a timestamp authority).',
    fr: 'Le certificat n’est pas destiné à cet usage (signer des documents, ou horodater pour une autorité d’horodatage).',
  },
  CERTIFICATE_EXPIRED: {
    en: 'The certificate of the signer was not valid when the document was signed, or nothing proves that it was.',
    fr: 'Le certificat du signataire n’était pas valide au moment de la signature, ou rien ne prouve qu’il l’était.',
  },
  KEY_USAGE_NOT_SIGNING: {
    en: 'The certificate of the signer is not meant for signing documents.',
    fr: 'Le certificat du signataire n’est pas destiné à signer des documents.',
  },
  CERTIFICATE_REVOKED: {
    en: 'The certificate of the signer has been revoked (cancelled by its authority).',
    fr: 'Le certificat du signataire a été révoqué (annulé par son autorité).',
  },
  REVOKED_AFTER_SIGNING: {
    en: 'The certificate of the signer was cancelled after the signature, whose time a timestamp proves: the signature still holds.',
    fr: 'Le certificat du signataire a été annulé après la signature, dont l’heure est prouvée par un horodatage : la signature reste valable.',
  },
  REVOCATION_UNKNOWN: {
    en: 'Whether the certificate was cancelled could not be checked.',
    fr: 'Il n’a pas été possible de vérifier si le certificat a été annulé.',
  },
  REVOCATION_NOT_FRESH: {
    en: 'The information in the document about whether the certificate was cancelled is too old: it does not cover the time of signing.',
    fr: 'Les informations du document indiquant si le certificat a été annulé sont trop anciennes : elles ne couvrent pas le moment de la signature.',
  },
  REVOCATION_NOT_YET_VALID: {
    en: 'The information about whether the certificate was cancelled is dated in the future, so it cannot be relied on.',
    fr: 'Les informations indiquant si le certificat a été annulé sont datées dans le futur : on ne peut pas s’y fier.',
  },
  CLAIMED_TIME_AFTER_TIMESTAMP: {
    en: 'The signing time stated by the signer is later than the certified time of the timestamp; the certified time is the one to rely on.',
    fr: 'L’heure de signature indiquée par le signataire est postérieure à l’heure certifiée par l’horodatage ; c’est l’heure certifiée qui fait foi.',
  },
  TIMESTAMP_INVALID: {
    en: 'The timestamp of the signature is not valid, so its time is not certified.',
    fr: 'L’horodatage de la signature n’est pas valide : son heure n’est donc pas certifiée.',
  },
  TIMESTAMP_UNTRUSTED: {
    en: 'The timestamp comes from an authority that is not trusted.',
    fr: 'L’horodatage provient d’une autorité qui n’est pas de confiance.',
  },
  TIMESTAMP_IMPRINT_MISMATCH: {
    en: 'The timestamp was made for other data than this signature or document.',
    fr: 'L’horodatage a été fait pour d’autres données que cette signature ou ce document.',
  },
  TIMESTAMP_REVOKED: {
    en: 'The certificate of the timestamp authority had been revoked (cancelled) when the timestamp was made, so its time is not certified.',
    fr: 'Le certificat de l’autorité d’horodatage était révoqué (annulé) au moment de l’horodatage : son heure n’est donc pas certifiée.',
  },
  TIMESTAMP_REVOCATION_UNKNOWN: {
    en: 'Whether the certificate of the timestamp authority was cancelled could not be checked.',
    fr: 'Il n’a pas été possible de vérifier si le certificat de l’autorité d’horodatage a été annulé.',
  },
  MODIFIED_NOT_ALLOWED: {
    en: 'The document was changed after signing in a way the signer did not allow.',
    fr: 'Le document a été modifié après la signature d’une manière que le signataire n’a pas autorisée.',
  },
  MODIFICATIONS_NOT_ANALYSED: {
    en: 'Changes made after signing were not analysed.',
    fr: 'Les modifications faites après la signature n’ont pas été analysées.',
  },
};

export interface Reason {
  readonly code: ReasonCode;
  /** The English sentence (with the technical detail, if any). */
  readonly message: string;
  readonly messages: ReasonText;
}

export function reason(code: ReasonCode, detail?: string): Reason {
  const text = REASONS[code];
  const message = detail ? `${text.en.replace(/\.$/, '')} (${detail.replace(/\.$/, '')}).` : text.en;
  return { code, message, messages: { en: message, fr: text.fr } };
}
