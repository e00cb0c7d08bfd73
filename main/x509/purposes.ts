// Which extended key usages let a certificate sign documents: one list, read by main/signers
// (before signing) and main/cms (path validation, purpose 'document-signing').

/** Extended key usages that allow signing documents, by OID, with their names for messages. */
export const DOCUMENT_SIGNING_PURPOSES: Readonly<Record<string, string>> = {
  '1.3.6.1.5.5.7.3.4': 'email protection',
  '1.3.6.1.5.5.7.3.36': 'document signing',
  '1.2.840.113583.1.1.5': 'Adobe Authentic Documents Trust',
  '1.3.6.1.4.1.311.10.3.12': 'Microsoft document signing',
  '2.5.29.37.0': 'any extended key usage',
};
