// Encrypted PDFs: the file key from a user or an owner password, checked against qpdf's
// --show-encryption-key on files qpdf encrypts here (RC4-40 R2, RC4-128 R3, AES-128 R4, AES-256 R5
// and R6); the encryptor against the decryptor; and the incremental writer on encrypted files: what
// it adds is encrypted with the document's key (qpdf reads it back with the password), the
// signature's /Contents stays in clear, the trailer keeps /Encrypt and the first /ID; and what it
// refuses (no password, certificate security, permissions).
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { IncrementalUpdate, PdfDict, PdfError, PdfRef, PdfStream, PdfString, bytesSource, openPdf, prepareDssUpdate, prepareSignatureUpdate } from '../../main/pdf';
import type { PdfReader, SignatureUpdateOptions } from '../../main/pdf';
import { deriveFileKey } from '../../main/pdf/security';
import type { CryptMethod, StandardSecurity } from '../../main/pdf/security';
import { name, pdfDict, textString } from '../../main/pdf/serialize';
import { TestPdfWriter, qpdf, run, simplePdf } from './helpers/pdf-build';
import { concat } from './helpers/pdf-edit';
import { rejectsWith as rejectsWithError } from './helpers/errors';

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'paraphe-encryption-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

let count = 0;
const write = (bytes: Uint8Array): string => {
  const file = join(dir, `f${++count}.pdf`);
  writeFileSync(file, bytes);
  return file;
};
/** `bytes` encrypted by qpdf with `args` (e.g. ['--encrypt', 'u', 'o', '256', '--']). */
const encrypt = (bytes: Uint8Array, ...args: string[]): Uint8Array => {
  const out = join(dir, `e${++count}.pdf`);
  qpdf(...args, write(bytes), out);
  return new Uint8Array(readFileSync(out));
};
const open = (bytes: Uint8Array, password?: string): Promise<PdfReader> => openPdf(bytesSource(bytes), { name: 'test.pdf', password });
const rejectsWith = (work: Promise<unknown> | (() => unknown), code: string, message?: RegExp): Promise<void> =>
  rejectsWithError(work, (e): e is PdfError => e instanceof PdfError, code, (text) => {
    if (message) assert.match(text, message);
  });
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

/** What qpdf says of a file opened with `password`: the key in hex, and whether it is the user's or the owner's. */
function qpdfKey(bytes: Uint8Array, password: string): { key: string; as: 'user' | 'owner' } {
  const text = qpdf('--show-encryption', '--show-encryption-key', `--password=${password}`, write(bytes));
  const key = /^Encryption key = ([0-9a-f]+)$/m.exec(text)?.[1];
  assert.ok(key, text);
  return { key, as: /Supplied password is owner password/.test(text) ? 'owner' : 'user' };
}

async function keyOf(bytes: Uint8Array, password: string | null) {
  const reader = await open(bytes);
  const encrypt = await reader.resolve(reader.trailer.get('Encrypt'));
  assert.ok(encrypt instanceof PdfDict);
  const id = reader.trailer.get('ID');
  const id0 = Array.isArray(id) && id[0] instanceof PdfString ? id[0].bytes : null;
  const found = deriveFileKey(encrypt, id0, password);
  return found && { key: hex(found.key), as: found.as };
}

/** The handlers qpdf writes, with the flags that make each (R2, R3 and R5 are "weak" for qpdf 11). */
const HANDLERS = [
  { label: 'RC4-40 (R2)', r: 2, algorithm: 'RC4-40', args: (u: string, o: string) => ['--allow-weak-crypto', '--encrypt', u, o, '40', '--'] },
  { label: 'RC4-128 (R3)', r: 3, algorithm: 'RC4-128', args: (u: string, o: string) => ['--allow-weak-crypto', '--encrypt', u, o, '128', '--use-aes=n', '--'] },
  { label: 'AES-128 (R4)', r: 4, algorithm: 'AES-128', args: (u: string, o: string) => ['--encrypt', u, o, '128', '--use-aes=y', '--'] },
  { label: 'AES-256 (R5)', r: 5, algorithm: 'AES-256', args: (u: string, o: string) => ['--allow-weak-crypto', '--encrypt', u, o, '256', '--force-R5', '--'] },
  { label: 'AES-256 (R6)', r: 6, algorithm: 'AES-256', args: (u: string, o: string) => ['--encrypt', u, o, '256', '--'] },
] as const;

describe('the file key of a password', () => {
  for (const handler of HANDLERS) {
    it(`is qpdf's for the user and the owner password, and none for a wrong one (${handler.label})`, async () => {
      const file = encrypt(simplePdf(), ...handler.args('user-pw', 'owner-pw'));
      for (const password of ['user-pw', 'owner-pw']) {
        const expected = qpdfKey(file, password);
        assert.deepEqual(await keyOf(file, password), expected, password);
      }
      assert.equal((await keyOf(file, 'owner-pw'))?.as, 'owner');
      assert.equal(await keyOf(file, 'not-it'), null);
      assert.equal(await keyOf(file, null), null, 'the empty user password does not open it');
    });

    it(`is qpdf's for the empty user password and for the owner's (${handler.label})`, async () => {
      const file = encrypt(simplePdf(), ...handler.args('', 'owner-pw'));
      assert.deepEqual(await keyOf(file, null), { ...qpdfKey(file, ''), as: 'user' });
      assert.deepEqual(await keyOf(file, 'owner-pw'), qpdfKey(file, 'owner-pw'));
    });
  }

  it('takes a password with accents as qpdf writes it: PDFDocEncoding up to R4, UTF-8 for R6', async () => {
    for (const handler of [HANDLERS[1], HANDLERS[2], HANDLERS[4]]) {
      const file = encrypt(simplePdf(), ...handler.args('pässwörd-€', 'öwner'));
      assert.deepEqual(await keyOf(file, 'pässwörd-€'), qpdfKey(file, 'pässwörd-€'), handler.label);
      assert.deepEqual(await keyOf(file, 'öwner'), qpdfKey(file, 'öwner'), handler.label);
      assert.equal(await keyOf(file, 'passwörd-€'), null);
    }
  });

  it("is qpdf's for AES-128 (R4) with metadata in clear, which changes the key (Algorithm 2, step f)", async () => {
    const file = encrypt(simplePdf(), '--encrypt', 'user-pw', 'owner-pw', '128', '--use-aes=y', '--cleartext-metadata', '--');
    assert.deepEqual(await keyOf(file, 'user-pw'), qpdfKey(file, 'user-pw'));
    assert.equal((await open(file, 'user-pw')).encryption?.encryptMetadata, false);
    const prepared = await prepareSignatureUpdate(await open(file, 'user-pw'), SIG);
    assert.match(run('qpdf', ['--check', '--password=user-pw', write(concat(file, prepared.bytes))]), /No syntax or stream encoding errors found/);
  });

  it('reads the SASLprep form of an R6 password: a no-break space is a space, a soft hyphen nothing', async () => {
    const file = encrypt(simplePdf(), ...HANDLERS[4].args('my secret', 'owner'));
    assert.ok(await keyOf(file, 'my\u00a0sec\u00adret'));
  });

  it('opens the document with the password, names a wrong one, and ignores one for a file that is not encrypted', async () => {
    const file = encrypt(simplePdf(), ...HANDLERS[4].args('user-pw', 'owner-pw'));
    const reader = await open(file, 'user-pw');
    assert.equal(reader.canDecrypt, true);
    assert.equal(reader.security?.authenticatedAs, 'user');
    assert.equal(reader.opensWithoutPassword, false, 'what info says: a password is needed, even when one was given');
    assert.equal(await reader.pageCount(), 1);
    const ownerOnly = encrypt(simplePdf(), ...HANDLERS[4].args('', 'owner-pw'));
    assert.equal((await open(ownerOnly, 'owner-pw')).opensWithoutPassword, true);
    assert.equal((await open(file, 'owner-pw')).security?.authenticatedAs, 'owner');
    await rejectsWith(open(file, 'wrong'), 'bad-password', /^The password given does not open test\.pdf: it is neither its user password nor its owner password$/);
    await rejectsWith(open(file, ''), 'bad-password');
    const locked = await open(file);
    assert.equal(locked.canDecrypt, false);
    assert.equal(locked.security, null);
    assert.equal((await open(simplePdf(), 'anything')).isEncrypted, false);
  });

  it('reuses the key for another reader of the same document, not for another document', async () => {
    const file = encrypt(simplePdf(), ...HANDLERS[4].args('user-pw', 'owner-pw'));
    const first = await open(file, 'user-pw');
    const again = await openPdf(bytesSource(file), { security: first.security });
    assert.equal(again.canDecrypt, true);
    const other = encrypt(simplePdf(), ...HANDLERS[4].args('user-pw', 'owner-pw'));
    assert.equal((await openPdf(bytesSource(other), { security: first.security })).canDecrypt, false, 'another /ID and /U: the key is not reused');
  });
});

describe('the encryptor', () => {
  const methods: [string, string[], CryptMethod][] = [
    ['RC4-40', HANDLERS[0].args('', 'o'), 'rc4'],
    ['RC4-128', HANDLERS[1].args('', 'o'), 'rc4'],
    ['AES-128', HANDLERS[2].args('', 'o'), 'aes-128'],
    ['AES-256', HANDLERS[4].args('', 'o'), 'aes-256'],
  ];
  for (const [label, args, method] of methods) {
    it(`encrypts what the decryptor decrypts, for any object (${label})`, async () => {
      const security = (await open(encrypt(simplePdf(), ...args))).security as StandardSecurity;
      assert.equal(security.stringMethod, method);
      for (const length of [0, 1, 15, 16, 17, 1000]) {
        const data = new Uint8Array(Array.from({ length }, (_, i) => (i * 37) & 0xff));
        const encrypted = security.encrypt(data, 12, 0, method);
        assert.deepEqual(security.decrypt(encrypted, 12, 0, method), data, `${length} bytes`);
        if (method === 'rc4') {
          assert.equal(encrypted.length, length);
        } else {
          // A 16-byte IV, then PKCS#7 padding to the next full block (a whole block for 16 bytes).
          assert.equal(encrypted.length, 16 + (Math.floor(length / 16) + 1) * 16);
          assert.notDeepEqual(security.encrypt(data, 12, 0, method), encrypted, 'a fresh IV each time');
        }
        if (length > 0 && method !== 'aes-256') assert.notDeepEqual(security.decrypt(encrypted, 13, 0, method), data, 'the key depends on the object number');
      }
    });
  }

  it('leaves cross-reference streams and unencrypted metadata alone, and follows a stream\'s /Crypt filter', async () => {
    const security = (await open(encrypt(simplePdf(), '--encrypt', '', 'o', '256', '--cleartext-metadata', '--'))).security as StandardSecurity;
    assert.equal(security.streamMethodOf(pdfDict({ Type: name('XRef') })), 'none');
    assert.equal(security.streamMethodOf(pdfDict({ Type: name('Metadata'), Subtype: name('XML') })), 'none');
    assert.equal(security.streamMethodOf(pdfDict({ Filter: [name('Crypt')], DecodeParms: [pdfDict({ Name: name('Identity') })] })), 'none');
    assert.equal(security.streamMethodOf(pdfDict({ Filter: name('FlateDecode') })), 'aes-256');
    assert.equal(security.streamMethodOf(pdfDict({ Type: name('EmbeddedFile') })), 'aes-256');
  });
});

const SIG: SignatureUpdateOptions = { kind: 'signature', subFilter: 'ETSI.CAdES.detached', contentsBytes: 64, reason: 'Approuvé', location: 'Lyon', signingTime: new Date('2026-01-02T03:04:05Z') };

describe('the incremental writer in an encrypted document', () => {
  for (const handler of HANDLERS) {
    for (const layout of ['table', 'object streams'] as const) {
      it(`writes a signature update encrypted as the document is (${handler.label}, ${layout})`, async () => {
        const extra = layout === 'object streams' ? ['--object-streams=generate'] : [];
        const base = encrypt(simplePdf(), ...extra, ...handler.args('user-pw', 'owner-pw'));
        const reader = await open(base, 'user-pw');
        const prepared = await prepareSignatureUpdate(reader, SIG);
        const bytes = concat(base, prepared.bytes);
        const file = write(bytes);
        assert.match(run('qpdf', ['--check', '--password=user-pw', file]), /No syntax or stream encoding errors found/);
        const shown = qpdf('--show-encryption', '--password=user-pw', file);
        assert.match(shown, new RegExp(`^R = ${handler.r}$`, 'm'), 'the same handler');

        const update = Buffer.from(prepared.bytes).toString('latin1');
        // /Contents in clear (7.6.2), where /ByteRange says; nothing else of the update readable.
        assert.equal(Buffer.from(bytes.subarray(prepared.byteRange[1], prepared.byteRange[2])).toString('latin1'), `<${'0'.repeat(128)}>`);
        for (const text of ['D:2026', 'Lyon', 'Signature1', 'Approuv']) assert.ok(!update.includes(text), `"${text}" is encrypted`);

        const after = await open(bytes, 'user-pw');
        const field = (await after.fields()).find((f) => f.name === 'Signature1');
        assert.ok(field?.signature?.ref);
        const sig = await after.resolve(field.signature.ref);
        assert.ok(sig instanceof PdfDict);
        assert.equal((sig.get('M') as PdfString).text(), 'D:20260102030405Z');
        assert.equal((sig.get('Reason') as PdfString).text(), 'Approuvé');
        assert.equal((sig.get('Location') as PdfString).text(), 'Lyon');
        assert.equal((sig.get('Contents') as PdfString).bytes.length, 64);
        assert.deepEqual(field.signature.byteRange, prepared.byteRange);

        // The trailer keeps /Encrypt and the first /ID, whatever kind of cross-reference section.
        const trailer = after.sections[0]?.trailer;
        assert.ok(trailer);
        const before = reader.trailer;
        const encryptRef = before.get('Encrypt');
        assert.ok(encryptRef instanceof PdfRef);
        assert.deepEqual(trailer.get('Encrypt'), encryptRef);
        assert.deepEqual((trailer.get('ID') as PdfString[])[0]?.bytes, (before.get('ID') as PdfString[])[0]?.bytes);
        assert.equal(after.sections[0]?.kind, layout === 'table' ? 'table' : 'stream');
      });
    }
  }

  it('adds DSS streams encrypted, which read back as the DER given', async () => {
    const base = encrypt(simplePdf(), ...HANDLERS[2].args('user-pw', 'owner-pw'));
    const der = new Uint8Array(Array.from({ length: 300 }, (_, i) => (i * 7) & 0xff));
    const { bytes: update } = await prepareDssUpdate(await open(base, 'owner-pw'), { certs: [der], ocsps: [], crls: [], vri: new Map([['AB', { certs: [der], ocsps: [], crls: [], tu: new Date() }]]) });
    const bytes = concat(base, update);
    assert.match(run('qpdf', ['--check', '--password=user-pw', write(bytes)]), /No syntax or stream encoding errors found/);
    const reader = await open(bytes, 'user-pw');
    const dss = await reader.resolve((await reader.catalog()).get('DSS'));
    assert.ok(dss instanceof PdfDict);
    const certs = await reader.resolve(dss.get('Certs'));
    assert.ok(Array.isArray(certs));
    const stream = await reader.resolve(certs[0]);
    assert.ok(stream instanceof PdfStream);
    assert.deepEqual(await reader.streamData(stream), der);
    assert.ok(!Buffer.from(update).includes(Buffer.from(der.subarray(0, 16))), 'not in clear');
  });

  it('writes strings and streams of any object, new or replaced, with that object\'s key', async () => {
    const base = encrypt(simplePdf(), ...HANDLERS[1].args('', 'owner-pw'));
    const reader = await open(base);
    const u = new IncrementalUpdate(reader);
    const added = u.add(pdfDict({ Title: textString('added'), Kids: [textString('in an array')] }));
    const stream = u.add(PdfStream.fromBytes(pdfDict({ Note: textString('dict of a stream') }), new TextEncoder().encode('stream data')));
    u.set(new PdfRef(1, 0), new PdfDict((await reader.catalog()).entries).set('Lang', textString('fr-FR')));
    const bytes = concat(base, u.build().bytes);
    assert.match(run('qpdf', ['--check', write(bytes)]), /No syntax or stream encoding errors found/);
    const text = Buffer.from(bytes.subarray(base.length)).toString('latin1');
    for (const clear of ['added', 'in an array', 'dict of a stream', 'stream data', 'fr-FR']) assert.ok(!text.includes(clear), clear);
    const after = await open(bytes);
    assert.equal(((await after.getObject(added.num)) as PdfDict).get('Title') instanceof PdfString, true);
    assert.equal((((await after.getObject(added.num)) as PdfDict).get('Kids') as PdfString[])[0]?.text(), 'in an array');
    const read = (await after.getObject(stream.num)) as PdfStream;
    assert.equal(new TextDecoder().decode(await after.streamData(read)), 'stream data');
    assert.equal((read.dict.get('Note') as PdfString).text(), 'dict of a stream');
    assert.equal(((await after.catalog()).get('Lang') as PdfString).text(), 'fr-FR');
  });

  it('refuses a document opened without the password it needs, and says so', async () => {
    const base = encrypt(simplePdf(), ...HANDLERS[4].args('user-pw', 'owner-pw'));
    const reader = await open(base);
    await rejectsWith(() => new IncrementalUpdate(reader), 'needs-password', /^test\.pdf is protected by a password: its password is needed to sign it$/);
    await rejectsWith(prepareSignatureUpdate(reader, SIG), 'needs-password');
    await rejectsWith(prepareDssUpdate(reader, { certs: [new Uint8Array([1])], ocsps: [], crls: [] }), 'needs-password');
  });

  it('refuses certificate (public-key) security with its own reason', async () => {
    const w = TestPdfWriter.start();
    w.object(1, '<< /Type /Catalog /Pages 2 0 R >>');
    w.object(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
    w.object(3, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>');
    w.object(4, '<< /Filter /Adobe.PubSec /SubFilter /adbe.pkcs7.s5 /V 4 /CF << /DefaultCryptFilter << /CFM /AESV2 /Recipients [<3082>] >> >> /StmF /DefaultCryptFilter /StrF /DefaultCryptFilter >>');
    w.xrefTable('/Root 1 0 R /Encrypt 4 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>]');
    const reader = await open(w.bytes(), 'a password');
    assert.equal(reader.encryption?.filter, 'Adobe.PubSec');
    await rejectsWith(() => new IncrementalUpdate(reader), 'unsupported-encryption', /^test\.pdf is encrypted for certificates \(public-key security\); Paraphe can only sign documents protected by a password$/);
  });

  it('follows the permissions of the user password: the owner password lifts them', async () => {
    // An empty signature field to sign, beside the new field Paraphe adds by default.
    const w = TestPdfWriter.start();
    w.object(1, '<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [4 0 R] >> >>');
    w.object(2, '<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
    w.object(3, '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Annots [4 0 R] >>');
    w.object(4, '<< /FT /Sig /T (Empty) /Type /Annot /Subtype /Widget /Rect [10 10 110 60] /P 3 0 R /F 4 >>');
    w.xrefTable('/Root 1 0 R');
    const form = w.bytes();
    const fillOnly = encrypt(form, '--encrypt', 'user-pw', 'owner-pw', '256', '--modify-other=n', '--annotate=n', '--');
    const user = await open(fillOnly, 'user-pw');
    await rejectsWith(prepareSignatureUpdate(user, SIG), 'not-permitted', /^The permissions of test\.pdf do not allow adding a signature field with its user password; its owner password lifts them$/);
    await prepareSignatureUpdate(user, { ...SIG, fieldName: 'Empty' });
    await prepareSignatureUpdate(await open(fillOnly, 'owner-pw'), SIG);

    const nothing = encrypt(form, '--encrypt', 'user-pw', 'owner-pw', '256', '--modify=none', '--');
    await rejectsWith(prepareSignatureUpdate(await open(nothing, 'user-pw'), { ...SIG, fieldName: 'Empty' }), 'not-permitted', /do not allow signing its signature fields/);
    await prepareSignatureUpdate(await open(nothing, 'owner-pw'), { ...SIG, fieldName: 'Empty' });
    // Validation data and document timestamps extend a signature: not refused.
    await prepareSignatureUpdate(await open(nothing, 'user-pw'), { kind: 'doc-timestamp', subFilter: 'ETSI.RFC3161', contentsBytes: 64 });
  });
});
