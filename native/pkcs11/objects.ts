// Objects on a token: C_FindObjects over a template, attributes read one at a time (a missing or
// sensitive attribute is undefined, never an error), private keys described (type, size, public-key
// fingerprint), and the signing identities: certificates paired with keys (pairing.ts), with what
// is left over and why.
import type * as Pkcs11Js from 'pkcs11js';
import { endianness } from 'node:os';
import { Pkcs11Error } from './errors';
import { certificateKey, ecBits, ecFingerprint, rsaBits, rsaFingerprint } from './keys';
import { pairKeysWithCertificates } from './pairing';
import type { Handle, SlotSessions } from './session';
import type { FindQuery, IdentityListing, IgnoredObject, KeyDescription, KeyRef, ObjectClass, Pkcs11Object, SigningIdentity } from './types';

/** A native-endian CK_ULONG attribute. */
function ulong(b: Buffer): number {
  const n = Math.min(b.length, 6);
  return endianness() === 'LE' ? b.readUIntLE(0, n) : b.readUIntBE(b.length - n, n);
}

function classValue(lib: SlotSessions['lib'], c: ObjectClass): number {
  return c === 'certificate' ? lib.CKO_CERTIFICATE : c === 'privateKey' ? lib.CKO_PRIVATE_KEY : lib.CKO_PUBLIC_KEY;
}

function findHandles(t: SlotSessions, slotId: string, s: Handle, template: Pkcs11Js.Template): Handle[] {
  const handles: Handle[] = [];
  t.call(() => t.pkcs11.C_FindObjectsInit(s, template), slotId);
  try {
    for (;;) {
      const batch = t.call(() => t.pkcs11.C_FindObjects(s, 64), slotId);
      handles.push(...batch);
      if (batch.length < 64) break;
    }
  } finally {
    t.call(() => t.pkcs11.C_FindObjectsFinal(s), slotId);
  }
  return handles;
}

/** One attribute, or undefined when the object does not have it (or keeps it secret). */
function attribute(t: SlotSessions, s: Handle, h: Handle, type: number): Buffer | undefined {
  try {
    const value = t.pkcs11.C_GetAttributeValue(s, h, [{ type }])[0]?.value;
    return Buffer.isBuffer(value) ? Buffer.from(value) : undefined;
  } catch {
    return undefined;
  }
}

/** A CK_BBOOL attribute, or undefined when the object does not have it. */
export function flag(t: SlotSessions, s: Handle, h: Handle, type: number): boolean | undefined {
  const v = attribute(t, s, h, type);
  return v === undefined || v.length === 0 ? undefined : v[0] !== 0;
}

/** The objects of a class (certificates: X.509 only), by CKA_ID when asked; run it in the slot's queue. */
export function findObjects(t: SlotSessions, slotId: string, query: FindQuery): Pkcs11Object[] {
  const { lib } = t;
  const s = t.session(slotId);
  const template: Pkcs11Js.Template = [{ type: lib.CKA_CLASS, value: classValue(lib, query.class) }];
  if (query.class === 'certificate') template.push({ type: lib.CKA_CERTIFICATE_TYPE, value: lib.CKC_X_509 });
  if (query.id !== undefined) template.push({ type: lib.CKA_ID, value: Buffer.from(query.id, 'hex') });
  return findHandles(t, slotId, s, template).map((h): Pkcs11Object => {
    const object: Pkcs11Object = {
      class: query.class,
      label: attribute(t, s, h, lib.CKA_LABEL)?.toString('utf8') ?? '',
      id: attribute(t, s, h, lib.CKA_ID)?.toString('hex') ?? '',
    };
    if (query.class === 'certificate') {
      const value = attribute(t, s, h, lib.CKA_VALUE);
      if (value !== undefined) object.value = value;
    }
    return object;
  });
}

interface KeyFacts extends KeyDescription {
  fingerprint: string | undefined;
  canSign: boolean;
  h: Handle;
}

function describeKeys(t: SlotSessions, slotId: string, s: Handle): KeyFacts[] {
  const { lib } = t;
  const publicPoints = new Map<string, string>();
  for (const h of findHandles(t, slotId, s, [{ type: lib.CKA_CLASS, value: lib.CKO_PUBLIC_KEY }])) {
    const id = attribute(t, s, h, lib.CKA_ID)?.toString('hex') ?? '';
    const point = attribute(t, s, h, lib.CKA_EC_POINT);
    const fp = point ? ecFingerprint(point) : undefined;
    if (fp !== undefined && id !== '') publicPoints.set(id, fp);
  }
  return findHandles(t, slotId, s, [{ type: lib.CKA_CLASS, value: lib.CKO_PRIVATE_KEY }]).map((h): KeyFacts => {
    const id = attribute(t, s, h, lib.CKA_ID)?.toString('hex') ?? '';
    const typeAttr = attribute(t, s, h, lib.CKA_KEY_TYPE);
    const type = typeAttr ? ulong(typeAttr) : -1;
    const base = {
      id,
      label: attribute(t, s, h, lib.CKA_LABEL)?.toString('utf8') ?? '',
      alwaysAuthenticate: flag(t, s, h, lib.CKA_ALWAYS_AUTHENTICATE) ?? false,
      canSign: flag(t, s, h, lib.CKA_SIGN) ?? true,
      handle: h.toString('hex'),
      h,
    };
    if (type === lib.CKK_RSA) {
      const modulus = attribute(t, s, h, lib.CKA_MODULUS);
      return { ...base, keyType: 'rsa', bits: modulus ? rsaBits(modulus) : 0, fingerprint: modulus ? rsaFingerprint(modulus) : undefined };
    }
    if (type === lib.CKK_EC) {
      // A private EC key rarely carries its point (CKA_EC_POINT is a public-key attribute): take
      // it from the public key of the same CKA_ID when the key has none.
      const own = attribute(t, s, h, lib.CKA_EC_POINT);
      const fingerprint = (own ? ecFingerprint(own) : undefined) ?? publicPoints.get(id);
      return { ...base, keyType: 'ec', bits: ecBits(attribute(t, s, h, lib.CKA_EC_PARAMS)), fingerprint };
    }
    return { ...base, keyType: 'other', bits: 0, fingerprint: undefined };
  });
}

/** The certificates paired with private keys, and what is left over; run it in the slot's queue. */
export function listIdentities(t: SlotSessions, slotId: string): IdentityListing {
  const { lib } = t;
  const s = t.session(slotId);
  const isLoggedIn = t.loggedIn(slotId);
  const certs = findHandles(t, slotId, s, [
    { type: lib.CKA_CLASS, value: lib.CKO_CERTIFICATE },
    { type: lib.CKA_CERTIFICATE_TYPE, value: lib.CKC_X_509 },
  ]).map((h) => {
    const value = attribute(t, s, h, lib.CKA_VALUE) ?? Buffer.alloc(0);
    let facts: ReturnType<typeof certificateKey> | undefined;
    try {
      facts = certificateKey(value);
    } catch {
      facts = undefined;
    }
    return {
      label: attribute(t, s, h, lib.CKA_LABEL)?.toString('utf8') ?? '',
      id: attribute(t, s, h, lib.CKA_ID)?.toString('hex') ?? '',
      value,
      facts,
      publicKey: facts ? { fingerprint: facts.fingerprint, ca: facts.cert.ca } : undefined,
    };
  });
  const keys = describeKeys(t, slotId, s);
  const identities: SigningIdentity[] = [];
  const ignored: IgnoredObject[] = [];
  const otherCertificates: Buffer[] = [];
  for (const pairing of pairKeysWithCertificates(certs, keys)) {
    switch (pairing.code) {
      case 'paired-by-id':
      case 'paired-by-public-key': {
        const { key, certificate: cert } = pairing;
        const { fingerprint: _fingerprint, canSign: _canSign, h: _h, ...description } = key;
        if (description.bits === 0 && cert.facts) description.bits = cert.facts.bits;
        identities.push({
          certificate: cert.value, certificateLabel: cert.label, certificateId: cert.id, key: description,
          pairedBy: pairing.code === 'paired-by-id' ? 'id' : 'public-key',
        });
        break;
      }
      case 'key-cannot-sign': {
        const { key, certificate: cert } = pairing;
        ignored.push({ class: 'privateKey', label: key.label, id: key.id, certificate: cert.value, code: pairing.code, reason: `The key "${key.label || key.id}" is not allowed to sign (CKA_SIGN is false).` });
        break;
      }
      case 'no-certificate': {
        const { key } = pairing;
        ignored.push({
          class: 'privateKey',
          label: key.label,
          id: key.id,
          code: pairing.code,
          reason: `The key "${key.label || key.id || key.handle}" has no certificate on the token (no certificate with its CKA_ID or its public key).`,
        });
        break;
      }
      case 'unreadable-certificate': {
        const c = pairing.certificate;
        ignored.push({ class: 'certificate', label: c.label, id: c.id, certificate: c.value, code: pairing.code, reason: `The certificate "${c.label || c.id}" is not an X.509 certificate that can be read.` });
        break;
      }
      case 'ca-certificate':
        otherCertificates.push(pairing.certificate.value);
        break;
      case 'no-key': {
        const c = pairing.certificate;
        otherCertificates.push(c.value);
        ignored.push({
          class: 'certificate',
          label: c.label,
          id: c.id,
          certificate: c.value,
          code: pairing.code,
          reason: isLoggedIn
            ? `The certificate "${c.label || c.id}" has no private key on the token.`
            : `The certificate "${c.label || c.id}" has no private key visible before login.`,
        });
        break;
      }
    }
  }
  return { identities, ignored, otherCertificates, loggedIn: isLoggedIn };
}

/** The handle of the private key `key` names (by CKA_ID: the first one found). */
export function resolveKey(t: SlotSessions, slotId: string, s: Handle, key: KeyRef): Handle {
  if ('handle' in key) return Buffer.from(key.handle, 'hex');
  const found = findHandles(t, slotId, s, [
    { type: t.lib.CKA_CLASS, value: t.lib.CKO_PRIVATE_KEY },
    { type: t.lib.CKA_ID, value: Buffer.from(key.id, 'hex') },
  ]);
  const first = found[0];
  if (first === undefined) {
    if (!t.loggedIn(slotId)) throw new Pkcs11Error('CKR_USER_NOT_LOGGED_IN', 'Log in to the token first: its private keys are hidden until then.');
    throw new Pkcs11Error('key-not-found', `There is no private key with id ${key.id} on the token.`);
  }
  return first;
}
