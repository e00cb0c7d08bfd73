// RFC 5280 path validation (main/cms/path.ts) over certificates made here with @peculiar/x509 (one
// P-256 key per certificate): one test per rule, each with the path that breaks it, plus the same
// issuer rules at signing time (signingPathFailures, which the signing session applies).
import 'reflect-metadata';
import assert from 'node:assert/strict';
import { webcrypto } from 'node:crypto';
import { describe, it } from 'node:test';
import * as x509 from '@peculiar/x509';
import * as asn1js from 'asn1js';
import * as pkijs from 'pkijs';
import { buildChain, signingPathFailures, validatePath } from '../../main/cms';
import type { PathFailureCode, PathPurpose } from '../../main/cms';

const crypto = webcrypto as unknown as Crypto;
const HOUR = 3600_000;
const DAY = 24 * HOUR;
const EMAIL_PROTECTION = '1.3.6.1.5.5.7.3.4';
const TIME_STAMPING = '1.3.6.1.5.5.7.3.8';
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const KU = x509.KeyUsageFlags;

interface Made {
  der: Uint8Array;
  name: string;
  keys: CryptoKeyPair;
}

interface MakeOptions {
  /** RFC 4514 DN ('CN=Alice, O=Paraphe Test, C=FR'). */
  name: string;
  issuer?: Made;
  /** basicConstraints: true (CA), { pathLen }, false (CA:FALSE, critical), undefined (none). */
  ca?: boolean | { pathLen: number };
  /** keyUsage bits; null: no keyUsage extension. Default keyCertSign|cRLSign for a CA, else digitalSignature|nonRepudiation. */
  keyUsage?: number | null;
  eku?: string[];
  ekuCritical?: boolean;
  email?: string;
  dns?: string;
  notBefore?: Date;
  notAfter?: Date;
  /** Extra raw extensions. */
  extensions?: x509.Extension[];
  /** Reuse this key pair (a self-issued key rollover uses a new one; a test may pin one). */
  keys?: CryptoKeyPair;
}

let serial = 1;
async function make(options: MakeOptions): Promise<Made> {
  const keys = options.keys ?? ((await webcrypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as unknown as CryptoKeyPair);
  const extensions: x509.Extension[] = [];
  if (options.ca !== undefined) {
    const pathLen = typeof options.ca === 'object' ? options.ca.pathLen : undefined;
    extensions.push(new x509.BasicConstraintsExtension(options.ca !== false, pathLen, true));
  }
  const keyUsage = options.keyUsage === undefined ? (options.ca ? KU.keyCertSign | KU.cRLSign : KU.digitalSignature | KU.nonRepudiation) : options.keyUsage;
  if (keyUsage !== null) extensions.push(new x509.KeyUsagesExtension(keyUsage, true));
  if (options.eku) extensions.push(new x509.ExtendedKeyUsageExtension(options.eku, options.ekuCritical ?? false));
  const san: x509.JsonGeneralName[] = [];
  if (options.email) san.push({ type: 'email', value: options.email });
  if (options.dns) san.push({ type: 'dns', value: options.dns });
  if (san.length > 0) extensions.push(new x509.SubjectAlternativeNameExtension(san, false));
  extensions.push(await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto));
  if (options.issuer) extensions.push(await x509.AuthorityKeyIdentifierExtension.create(options.issuer.keys.publicKey, false, crypto));
  extensions.push(...(options.extensions ?? []));
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: (serial++).toString(16).padStart(2, '0'),
      subject: options.name,
      issuer: options.issuer?.name ?? options.name,
      notBefore: options.notBefore ?? new Date(Date.now() - (options.ca ? 1000 : 1) * DAY),
      notAfter: options.notAfter ?? new Date(Date.now() + 365 * DAY),
      signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
      publicKey: keys.publicKey,
      signingKey: (options.issuer?.keys ?? keys).privateKey,
      extensions,
    },
    crypto,
  );
  return { der: new Uint8Array(cert.rawData), name: options.name, keys };
}

/** A nameConstraints extension (critical) built with pkijs. */
function nameConstraints(subtrees: { permitted?: pkijs.GeneralName[]; excluded?: pkijs.GeneralName[] }): x509.Extension {
  const value = new pkijs.NameConstraints({
    ...(subtrees.permitted ? { permittedSubtrees: subtrees.permitted.map((base) => new pkijs.GeneralSubtree({ base })) } : {}),
    ...(subtrees.excluded ? { excludedSubtrees: subtrees.excluded.map((base) => new pkijs.GeneralSubtree({ base })) } : {}),
  });
  return new x509.Extension('2.5.29.30', true, value.toSchema().toBER(false));
}
const dnsName = (value: string) => new pkijs.GeneralName({ type: 2, value });
const emailName = (value: string) => new pkijs.GeneralName({ type: 1, value });
function directoryName(attributes: [string, string][]): pkijs.GeneralName {
  const typesAndValues = attributes.map(([type, value]) =>
    new pkijs.AttributeTypeAndValue({ type, value: type === '2.5.4.6' ? new asn1js.PrintableString({ value }) : new asn1js.Utf8String({ value }) }));
  return new pkijs.GeneralName({ type: 4, value: new pkijs.RelativeDistinguishedNames({ typesAndValues }) });
}

const O = 'O=Paraphe Test, C=FR';
const now = () => new Date();

/** The chain buildChain finds from the leaf through the others (as validate.ts does), validated. */
async function check(leaf: Made, others: Made[], anchors: Made[], options: { at?: Date; purpose?: PathPurpose } = {}) {
  const chain = await buildChain(leaf.der, [...others, ...anchors].map((m) => m.der), { at: options.at ?? now() });
  return validatePath(chain, { anchors: anchors.map((a) => a.der), at: options.at ?? now(), purpose: options.purpose ?? 'document-signing' });
}
const codes = (result: { failures: { code: PathFailureCode; index: number }[] }) => result.failures.map((f) => `${f.code}@${f.index}`);

describe('certification path validation (RFC 5280 §6.1)', { timeout: 60_000 }, () => {
  let root: Made;
  let intermediate: Made;

  it('accepts a good path: root → issuing CA (pathLen 0) → signer with emailProtection', async () => {
    root = await make({ name: `CN=Test Root, ${O}`, ca: true });
    intermediate = await make({ name: `CN=Test Issuing CA, ${O}`, ca: { pathLen: 0 }, issuer: root });
    const signer = await make({ name: `CN=Élodie Signataire, ${O}`, issuer: intermediate, ca: false, eku: [EMAIL_PROTECTION], email: 'elodie@paraphe.invalid' });
    const result = await check(signer, [intermediate], [root]);
    assert.deepEqual(codes(result), []);
    assert.equal(result.valid, true);
    assert.equal(result.path.length, 3);
    assert.equal(result.pinned, false);
    // Without the root among the anchors: untrusted, nothing else wrong.
    const untrusted = await check(signer, [intermediate, root], []);
    assert.deepEqual(codes(untrusted), ['untrusted@2']);
    assert.equal(untrusted.valid, false);
  });

  it('refuses an issuer that is not a CA (CA:FALSE): the Mallory case', async () => {
    // CA:FALSE and no keyUsage (with a keyUsage lacking keyCertSign, buildChain does not even link it).
    const mallory = await make({ name: `CN=Mallory, ${O}`, issuer: intermediate, ca: false, keyUsage: null, eku: [EMAIL_PROTECTION] });
    const alice = await make({ name: `CN=Alice Signer, ${O}`, issuer: mallory, ca: false, eku: [EMAIL_PROTECTION] });
    const result = await check(alice, [mallory, intermediate], [root]);
    assert.equal(result.anchor !== null, true, 'the path does reach the root');
    assert.deepEqual(codes(result), ['issuer-not-ca@1', 'path-length@1']);
    assert.match(result.failures[0]?.detail ?? '', /Mallory is not a certification authority/);
    assert.equal(result.valid, false);
    // And without basicConstraints at all (a v3 certificate that says nothing): not a CA either.
    const silent = await make({ name: `CN=Silent, ${O}`, issuer: root, keyUsage: null });
    const bob = await make({ name: `CN=Bob, ${O}`, issuer: silent, ca: false });
    assert.deepEqual(codes(await check(bob, [silent], [root])), ['issuer-not-ca@1']);
  });

  it('refuses an issuer whose key usage lacks keyCertSign', async () => {
    const ca = await make({ name: `CN=CA Without keyCertSign, ${O}`, issuer: root, ca: true, keyUsage: KU.cRLSign | KU.digitalSignature });
    const leaf = await make({ name: `CN=Leaf, ${O}`, issuer: ca, ca: false });
    // buildChain (node:crypto checkIssued) already refuses to link it: the chain stops at the leaf.
    assert.deepEqual(codes(await check(leaf, [ca], [root])), ['untrusted@0']);
    // Given the path as a whole (what another path builder could hand over), the rule itself says why.
    const path = validatePath([leaf.der, ca.der, root.der], { anchors: [root.der], at: now(), purpose: 'document-signing' });
    assert.deepEqual(codes(path), ['issuer-key-usage@1']);
  });

  it('refuses a CA below an issuer with pathLen 0; a self-issued intermediate does not count', async () => {
    const sub = await make({ name: `CN=Sub CA, ${O}`, issuer: intermediate, ca: true });
    const leaf = await make({ name: `CN=Leaf Below Sub, ${O}`, issuer: sub, ca: false });
    const result = await check(leaf, [sub, intermediate], [root]);
    assert.deepEqual(codes(result), ['path-length@1']);
    assert.match(result.failures[0]?.certificate ?? '', /Sub CA/);
    // A key rollover certificate: same name as the issuing CA, new key, issued by the old key.
    const rollover = await make({ name: intermediate.name, issuer: intermediate, ca: true });
    const renewed = await make({ name: `CN=Signed By Renewed Key, ${O}`, issuer: rollover, ca: false });
    assert.deepEqual(codes(await check(renewed, [rollover, intermediate], [root])), []);
    // pathLen on the anchor itself is respected too.
    const strictRoot = await make({ name: `CN=Strict Root, ${O}`, ca: { pathLen: 0 } });
    const ca = await make({ name: `CN=CA Under Strict Root, ${O}`, issuer: strictRoot, ca: true });
    const leaf2 = await make({ name: `CN=Leaf Under Strict, ${O}`, issuer: ca, ca: false });
    assert.deepEqual(codes(await check(leaf2, [ca], [strictRoot])), ['path-length@1']);
  });

  it('refuses an intermediate expired at the validation time, and accepts it at a time it was valid', async () => {
    const old = await make({ name: `CN=Old CA, ${O}`, issuer: root, ca: true, notBefore: new Date(Date.now() - 400 * DAY), notAfter: new Date(Date.now() - 10 * DAY) });
    const leaf = await make({ name: `CN=Leaf Of Old CA, ${O}`, issuer: old, ca: false, notBefore: new Date(Date.now() - 100 * DAY) });
    assert.deepEqual(codes(await check(leaf, [old], [root])), ['expired@1']);
    assert.deepEqual(codes(await check(leaf, [old], [root], { at: new Date(Date.now() - 50 * DAY) })), []);
  });

  it('refuses a leaf not yet valid', async () => {
    const leaf = await make({ name: `CN=Future Leaf, ${O}`, issuer: intermediate, ca: false, notBefore: new Date(Date.now() + 10 * DAY) });
    const result = await check(leaf, [intermediate], [root]);
    assert.deepEqual(codes(result), ['not-yet-valid@0']);
  });

  it('refuses a certificate with an unknown critical extension (a non-critical one is fine)', async () => {
    const critical = new x509.Extension('1.3.6.1.4.1.55555.9.9', true, new Uint8Array([0x05, 0x00]));
    const leaf = await make({ name: `CN=Odd Leaf, ${O}`, issuer: intermediate, ca: false, extensions: [critical] });
    assert.deepEqual(codes(await check(leaf, [intermediate], [root])), ['unknown-critical-extension@0']);
    const relaxed = new x509.Extension('1.3.6.1.4.1.55555.9.9', false, new Uint8Array([0x05, 0x00]));
    const fine = await make({ name: `CN=Fine Leaf, ${O}`, issuer: intermediate, ca: false, extensions: [relaxed] });
    assert.deepEqual(codes(await check(fine, [intermediate], [root])), []);
    const oddCa = await make({ name: `CN=Odd CA, ${O}`, issuer: root, ca: true, extensions: [critical] });
    const below = await make({ name: `CN=Below Odd CA, ${O}`, issuer: oddCa, ca: false });
    assert.deepEqual(codes(await check(below, [oddCa], [root])), ['unknown-critical-extension@1']);
  });

  it('enforces name constraints: excluded subtrees, and permitted ones intersected from CA to CA', async () => {
    const constrained = await make({
      name: `CN=Constrained CA, ${O}`, issuer: root, ca: true,
      extensions: [nameConstraints({
        permitted: [directoryName([['2.5.4.6', 'FR'], ['2.5.4.10', 'Paraphe Test']]), emailName('paraphe.invalid'), emailName('.paraphe.invalid'), dnsName('paraphe.invalid')],
        excluded: [emailName('.evil.paraphe.invalid'), dnsName('evil.paraphe.invalid')],
      })],
    });
    // x509 Name writes RDNs in the order given: C first, like the constraint.
    const inside = await make({ name: 'C=FR, O=Paraphe Test, CN=Inside', issuer: constrained, ca: false, email: 'inside@paraphe.invalid', dns: 'www.paraphe.invalid' });
    assert.deepEqual(codes(await check(inside, [constrained], [root])), []);
    const otherOrg = await make({ name: 'C=FR, O=Other Org, CN=Alice Signer', issuer: constrained, ca: false, email: 'alice@paraphe.invalid' });
    const notPermitted = await check(otherOrg, [constrained], [root]);
    assert.deepEqual(codes(notPermitted), ["name-constraints@0"], JSON.stringify(notPermitted.failures));
    assert.match(notPermitted.failures[0]?.detail ?? '', /outside what the certificate of Constrained CA may certify/);
    const wrongMail = await make({ name: 'C=FR, O=Paraphe Test, CN=Wrong Mail', issuer: constrained, ca: false, email: 'alice@example.com' });
    assert.deepEqual(codes(await check(wrongMail, [constrained], [root])), ['name-constraints@0']);
    const excludedMail = await make({ name: 'C=FR, O=Paraphe Test, CN=Excluded', issuer: constrained, ca: false, email: 'eve@mx.evil.paraphe.invalid' });
    const excluded = await check(excludedMail, [constrained], [root]);
    assert.deepEqual(codes(excluded), ['name-constraints@0']);
    assert.match(excluded.failures[0]?.detail ?? '', /may not certify/);
    const excludedDns = await make({ name: 'C=FR, O=Paraphe Test, CN=Excluded Host', issuer: constrained, ca: false, dns: 'a.evil.paraphe.invalid' });
    assert.deepEqual(codes(await check(excludedDns, [constrained], [root])), ['name-constraints@0']);
    // A sub-CA permitting another domain: the intersection is empty, so nothing passes.
    const sub = await make({
      name: 'C=FR, O=Paraphe Test, CN=Sub Widening', issuer: constrained, ca: true,
      extensions: [nameConstraints({ permitted: [emailName('example.com')] })],
    });
    const widened = await make({ name: 'C=FR, O=Paraphe Test, CN=Widened', issuer: sub, ca: false, email: 'bob@example.com' });
    assert.deepEqual(codes(await check(widened, [sub, constrained], [root])), ['name-constraints@0']);
  });

  it('checks the leaf’s extended key usage for its purpose', async () => {
    const server = await make({ name: `CN=www.paraphe.invalid, ${O}`, issuer: intermediate, ca: false, eku: [SERVER_AUTH] });
    assert.deepEqual(codes(await check(server, [intermediate], [root])), ['extended-key-usage@0']);
    assert.deepEqual(codes(await check(server, [intermediate], [root], { purpose: 'any' })), []);
    for (const eku of ['1.3.6.1.5.5.7.3.36', '1.2.840.113583.1.1.5', '1.3.6.1.4.1.311.10.3.12', '2.5.29.37.0']) {
      const ok = await make({ name: `CN=Document Signer ${eku}, ${O}`, issuer: intermediate, ca: false, eku: [SERVER_AUTH, eku] });
      assert.deepEqual(codes(await check(ok, [intermediate], [root])), [], eku);
    }
    const noEku = await make({ name: `CN=No EKU, ${O}`, issuer: intermediate, ca: false });
    assert.deepEqual(codes(await check(noEku, [intermediate], [root])), []);
    // A TSA: timeStamping, critical (RFC 3161 §2.3).
    const signerAsTsa = await make({ name: `CN=Not A TSA, ${O}`, issuer: intermediate, ca: false, eku: [EMAIL_PROTECTION] });
    assert.deepEqual(codes(await check(signerAsTsa, [intermediate], [root], { purpose: 'timestamping' })), ['extended-key-usage@0']);
    assert.deepEqual(codes(await check(noEku, [intermediate], [root], { purpose: 'timestamping' })), ['extended-key-usage@0']);
    const lax = await make({ name: `CN=Lax TSA, ${O}`, issuer: intermediate, ca: false, eku: [TIME_STAMPING], ekuCritical: false });
    assert.deepEqual(codes(await check(lax, [intermediate], [root], { purpose: 'timestamping' })), ['extended-key-usage@0']);
    const tsa = await make({ name: `CN=Good TSA, ${O}`, issuer: intermediate, ca: false, eku: [TIME_STAMPING], ekuCritical: true, keyUsage: KU.digitalSignature });
    assert.deepEqual(codes(await check(tsa, [intermediate], [root], { purpose: 'timestamping' })), []);
  });

  it('a trusted end-entity certificate is a pin: trusted as itself, never an issuer', async () => {
    const me = await make({ name: 'CN=Moi Même', ca: false, keyUsage: null, eku: [EMAIL_PROTECTION], email: 'moi@paraphe.invalid' });
    const pinned = await check(me, [], [me]);
    assert.deepEqual(codes(pinned), []);
    assert.equal(pinned.valid, true);
    assert.equal(pinned.pinned, true);
    // Its key "issues" a certificate to another name: the path ends at the pin, which is not a CA.
    const other = await make({ name: 'CN=Alice Signer', issuer: me, ca: false, eku: [EMAIL_PROTECTION] });
    const forged = await check(other, [], [me]);
    assert.equal(forged.anchor !== null, true);
    assert.deepEqual(codes(forged), ['issuer-not-ca@1']);
    assert.match(forged.failures[0]?.detail ?? '', /trusted as itself only/);
    // A personal ID with no basicConstraints at all, as Paraphe makes them: the same.
    const personal = await make({ name: 'CN=Personal ID', keyUsage: null });
    const byPersonal = await make({ name: 'CN=Someone Else', issuer: personal });
    assert.deepEqual(codes(await check(personal, [], [personal])), []);
    assert.deepEqual(codes(await check(byPersonal, [], [personal])), ['issuer-not-ca@1']);
    // A CA certificate used directly as a signer and trusted: the leaf is the anchor.
    assert.deepEqual(codes(await check(intermediate, [], [intermediate], { purpose: 'any' })), []);
  });
});

describe('the same issuer rules before signing (signingPathFailures)', { timeout: 60_000 }, () => {
  const before = async (leaf: Made, others: Made[]) =>
    (await signingPathFailures(leaf.der, others.map((o) => o.der), now())).map((f) => `${f.code}@${f.index}`);

  it('refuses a chain that goes through an end-entity certificate, accepts a real one and a lone certificate', async () => {
    const root = await make({ name: `CN=Sign Root, ${O}`, ca: true });
    const intermediate = await make({ name: `CN=Sign Issuing CA, ${O}`, ca: { pathLen: 0 }, issuer: root });
    const signer = await make({ name: `CN=Real Signer, ${O}`, issuer: intermediate, ca: false, eku: [EMAIL_PROTECTION] });
    assert.deepEqual(await before(signer, [root, intermediate]), []);
    // A self-signed personal ID, or a certificate whose issuers are not at hand: nothing to judge.
    const personal = await make({ name: 'CN=Personal ID', keyUsage: null });
    assert.deepEqual(await before(personal, []), []);
    assert.deepEqual(await before(signer, []), []);
    const mallory = await make({ name: `CN=Mallory, ${O}`, issuer: intermediate, ca: false, keyUsage: null, eku: [EMAIL_PROTECTION] });
    const alice = await make({ name: `CN=Alice Signer, ${O}`, issuer: mallory, ca: false, eku: [EMAIL_PROTECTION] });
    // (The issuing CA's pathLen 0 also allows no authority below it: Mallory counts as one.)
    assert.deepEqual(await before(alice, [mallory, intermediate, root]), ['issuer-not-ca@1', 'path-length@1']);
    // Without the rest of its chain, Mallory is the top: still not an issuer.
    assert.deepEqual(await before(alice, [mallory]), ['issuer-not-ca@1']);
    const sub = await make({ name: `CN=Sign Sub CA, ${O}`, issuer: intermediate, ca: true });
    const deep = await make({ name: `CN=Deep Signer, ${O}`, issuer: sub, ca: false });
    assert.deepEqual(await before(deep, [sub, intermediate, root]), ['path-length@1']);
    const odd = await make({ name: `CN=Odd Signer, ${O}`, issuer: intermediate, ca: false, extensions: [new x509.Extension('1.3.6.1.4.1.55555.9.9', true, new Uint8Array([5, 0]))] });
    assert.deepEqual(await before(odd, [intermediate, root]), ['unknown-critical-extension@0']);
    const lapsed = await make({ name: `CN=Lapsed CA, ${O}`, issuer: root, ca: true, notAfter: new Date(Date.now() - DAY), notBefore: new Date(Date.now() - 10 * DAY) });
    const underLapsed = await make({ name: `CN=Under Lapsed, ${O}`, issuer: lapsed, ca: false, notBefore: new Date(Date.now() - 5 * DAY) });
    assert.deepEqual(await before(underLapsed, [lapsed, root]), ['expired@1']);
  });
});
