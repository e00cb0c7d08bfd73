// `paraphe info` end to end: the bundled command line (dist/cli.cjs through main/bin/paraphe.cjs)
// on files made at test time by Ghostscript and qpdf, checked against poppler's pdfinfo.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeTestPdfs } from '../fixtures/pdfs';
import type { TestPdfs } from '../fixtures/pdfs';
import { createTestPki, freePort, missingTools } from '../fixtures/pki';
import { signWithPdfsig } from '../fixtures/signed-by-poppler';
import { requireCliBundle, cli, root } from '../fixtures/signing-bed';
import { appendSignatureUpdate, qpdf, run, simplePdf } from '../unit/helpers/pdf-build';

let dir: string;
const path = (name: string) => join(dir, name);

/** The messages' language comes from the environment: English here, unless a test says otherwise. */
const ENGLISH = { LC_ALL: '', LC_MESSAGES: '', LANG: 'C.UTF-8' };

function paraphe(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  return parapheWith(ENGLISH, ...args);
}

function parapheWith(env: Record<string, string>, ...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const result = spawnSync(process.execPath, [cli, ...args], { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** pdfinfo's "Pages:" and "PDF version:" fields. */
function pdfinfo(file: string, ...options: string[]): { pages: number; version: string } {
  const out = run('pdfinfo', [...options, file]);
  const pages = /^Pages:\s+(\d+)$/m.exec(out)?.[1];
  const version = /^PDF version:\s+(\S+)$/m.exec(out)?.[1];
  assert.ok(pages && version, `pdfinfo output: ${out}`);
  return { pages: Number(pages), version };
}

/** No JavaScript stack frame ("    at fn (file:line)") in the output. */
function assertNoStack(text: string): void {
  assert.doesNotMatch(text, /^\s+at .+[:(]/m);
}

before(async () => {
  requireCliBundle();
  dir = mkdtempSync(join(tmpdir(), 'paraphe-cli-info-'));
  run('gs', ['-q', '-dNOPAUSE', '-dBATCH', '-sDEVICE=pdfwrite', `-sOutputFile=${path('gs.pdf')}`, '-c', '/Helvetica findfont 24 scalefont setfont 1 1 3 { 72 700 moveto (Page) show showpage } for']);
  qpdf('--object-streams=generate', path('gs.pdf'), path('objstm.pdf'));
  qpdf('--linearize', path('gs.pdf'), path('linearized.pdf'));
  qpdf('--force-version=2.0', path('gs.pdf'), path('v20.pdf'));
  qpdf('--encrypt', '', 'owner', '256', '--', path('objstm.pdf'), path('aes-open.pdf'));
  qpdf('--object-streams=generate', '--encrypt', 'secret', 'owner', '256', '--', path('gs.pdf'), path('aes-locked.pdf'));
  const first = appendSignatureUpdate(simplePdf({ pages: 2 }), { field: 'Signature1', firstNum: 10 });
  const second = appendSignatureUpdate(first.bytes, { field: 'Archive', firstNum: 20, fields: [first.fieldRef], type: 'DocTimeStamp', xref: 'stream' });
  writeFileSync(path('signed.pdf'), second.bytes);

  writeFileSync(path('empty.pdf'), '');
  writeFileSync(path('hello.pdf'), 'Hello, this is text\n');
  const gs = readFileSync(path('gs.pdf'));
  writeFileSync(path('truncated.pdf'), gs.subarray(0, gs.length - 200));
  writeFileSync(path('broken-xref.pdf'), Buffer.from(gs.toString('latin1').replace(/startxref\s+\d+/, 'startxref\n17'), 'latin1'));
  mkdirSync(path('folder'));
});

after(() => rmSync(dir, { recursive: true, force: true }));

describe('paraphe info', () => {
  it('prints the page count and version pdfinfo reports, for Ghostscript and qpdf outputs', () => {
    for (const name of ['gs.pdf', 'objstm.pdf', 'linearized.pdf', 'v20.pdf', 'aes-open.pdf', 'signed.pdf']) {
      const { code, stdout, stderr } = paraphe('info', name, '--json');
      assert.equal(code, 0, stderr);
      const info = JSON.parse(stdout) as { pageCount: number; pdfVersion: string };
      const expected = pdfinfo(path(name));
      assert.equal(info.pageCount, expected.pages, `${name}: pages`);
      assert.equal(info.pdfVersion, expected.version, `${name}: version`);
    }
  });

  it('prints a short text block per file', () => {
    const { code, stdout, stderr } = paraphe('info', 'gs.pdf');
    assert.equal(code, 0, stderr);
    assert.equal(stderr, '');
    assert.equal(
      stdout,
      [
        'file:            gs.pdf',
        `PDF version:     ${pdfinfo(path('gs.pdf')).version}`,
        'pages:           3',
        'encryption:      none',
        'signed:          no',
        'signatures:      0 (doc timestamps: 0)',
        'revisions:       1',
        'linearized:      no',
        'cross-reference: table',
        '',
      ].join('\n'),
    );
  });

  it('describes linearization, xref streams, PDF 2.0 and signatures', () => {
    assert.match(paraphe('info', 'linearized.pdf').stdout, /^linearized:\s+yes$/m);
    assert.match(paraphe('info', 'objstm.pdf').stdout, /^cross-reference: stream$/m);
    assert.match(paraphe('info', 'v20.pdf').stdout, /^PDF version:\s+2\.0$/m);
    const signed = paraphe('info', 'signed.pdf').stdout;
    assert.match(signed, /^signed:\s+yes$/m);
    assert.match(signed, /^signatures:\s+2 \(doc timestamps: 1\)$/m);
    assert.match(signed, /^ {2}Signature1 {2}signature, ETSI\.CAdES\.detached, covers revisions 1-2 of 3$/m);
    assert.match(signed, /^ {2}Archive {5}document timestamp, ETSI\.RFC3161, covers revisions 1-3 of 3$/m);
    assert.match(signed, /^revisions:\s+3$/m);
    // poppler sees the same two signatures.
    const pdfsig = spawnSync('pdfsig', [path('signed.pdf')], { encoding: 'utf8' }).stdout;
    assert.equal((pdfsig.match(/^Signature #\d+:/gm) ?? []).length, 2);
  });

  it('tells whether an encrypted file opens without a password', () => {
    const open = paraphe('info', 'aes-open.pdf');
    assert.match(open.stdout, /^encryption:\s+AES-256 \(opens without a password\)$/m);
    const locked = paraphe('info', 'aes-locked.pdf', '--json');
    assert.equal(locked.code, 0, locked.stderr);
    const info = JSON.parse(locked.stdout) as Record<string, unknown>;
    assert.equal(info.encrypted, true);
    assert.equal(info.pageCount, null, 'the page tree is in an encrypted object stream');
    assert.deepEqual(info.encryption, { filter: 'Standard', v: 5, r: 6, keyBits: 256, algorithm: 'AES-256', opensWithoutPassword: false });
    assert.equal(info.pdfVersion, pdfinfo(path('aes-locked.pdf'), '-upw', 'secret').version);
    assert.match(paraphe('info', 'aes-locked.pdf').stdout, /^encryption:\s+AES-256 \(password required to open\)$/m);
  });

  it('prints stable JSON keys, one object for one file', () => {
    const { stdout } = paraphe('info', '--json', 'signed.pdf');
    const info = JSON.parse(stdout) as Record<string, unknown>;
    assert.deepEqual(Object.keys(info), [
      'file', 'size', 'pdfVersion', 'pageCount', 'encrypted', 'encryption', 'signed', 'signatureFields',
      'signatureCount', 'docTimestampCount', 'revisionCount', 'linearized', 'xref', 'signatures', 'warnings', 'damaged',
    ]);
    assert.equal(info.damaged, null);
    assert.equal(info.size, readFileSync(path('signed.pdf')).length);
    assert.deepEqual(info.signatures, [
      { field: 'Signature1', subFilter: 'ETSI.CAdES.detached', kind: 'signature', revision: 2 },
      { field: 'Archive', subFilter: 'ETSI.RFC3161', kind: 'doc-timestamp', revision: 3 },
    ]);
  });

  it('prints a JSON array for several files, with an error element for a file it cannot read', () => {
    const { code, stdout, stderr } = paraphe('info', '--json', 'gs.pdf', 'missing.pdf', 'objstm.pdf');
    assert.equal(code, 1);
    const list = JSON.parse(stdout) as Record<string, unknown>[];
    assert.deepEqual(list.map((x) => x.file), ['gs.pdf', 'missing.pdf', 'objstm.pdf']);
    assert.deepEqual(list[1], { file: 'missing.pdf', error: { code: 'not-found', message: 'missing.pdf does not exist' } });
    assert.equal(stderr, 'paraphe: missing.pdf does not exist\n');
  });
});

describe('paraphe info on bad input', () => {
  const cases: [string, string][] = [
    ['missing.pdf', 'paraphe: missing.pdf does not exist'],
    ['folder', 'paraphe: folder is a directory, not a file'],
    ['empty.pdf', 'paraphe: empty.pdf is empty (0 bytes)'],
    ['hello.pdf', 'paraphe: hello.pdf is not a PDF (it looks like a text file)'],
  ];
  // Damaged but unsigned: described as the repaired copy that signing signs, with what is wrong.
  const damaged: [string, string, string][] = [
    ['truncated.pdf', 'truncated', 'truncated.pdf is truncated: no %%EOF/startxref at its end'],
    ['broken-xref.pdf', 'broken-xref', 'broken-xref.pdf has a broken cross-reference table at byte 17 (expected "xref" or a cross-reference stream)'],
  ];
  for (const [file, code, message] of damaged) {
    it(`describes ${file} (damaged, unsigned) as its repaired copy and says what is wrong`, () => {
      const text = paraphe('info', file);
      assert.equal(text.code, 0, text.stderr);
      assert.equal(text.stderr, '');
      assert.match(text.stdout, new RegExp(`^pages: +${pdfinfo(path('gs.pdf')).pages}$`, 'm'), 'the pages of the sound file');
      assert.ok(text.stdout.includes(`damaged:         yes: ${message} (repairable: signing signs a repaired copy; the figures above describe it)\n`), text.stdout);
      const json = JSON.parse(paraphe('info', '--json', file).stdout) as { damaged: unknown; size: number; pageCount: number };
      assert.deepEqual(json.damaged, { code, message });
      assert.equal(json.size, readFileSync(path(file)).length, 'the size is the file\'s, not the copy\'s');
    });
  }
  for (const [file, message] of cases) {
    it(`reports ${file} in one line on stderr and exits with 1`, () => {
      const { code, stdout, stderr } = paraphe('info', file);
      assert.equal(code, 1);
      assert.equal(stdout, '');
      assert.equal(stderr, `${message}\n`);
      assertNoStack(stderr);
    });
  }

  it('words the error line in French with --lang fr or a French system locale, in English with --lang en', () => {
    const french = 'paraphe: missing.pdf n’existe pas\n';
    assert.equal(parapheWith(ENGLISH, '--lang', 'fr', 'info', 'missing.pdf').stderr, french);
    assert.equal(parapheWith(ENGLISH, 'info', 'missing.pdf', '--lang=fr').stderr, french, '--lang after the command');
    assert.equal(parapheWith({ LANG: 'fr_FR.UTF-8', LC_ALL: '', LC_MESSAGES: '' }, 'info', 'missing.pdf').stderr, french);
    assert.equal(parapheWith({ LANG: 'en_US.UTF-8', LC_ALL: '', LC_MESSAGES: 'fr_FR.UTF-8' }, 'info', 'missing.pdf').stderr, french, 'LC_MESSAGES overrides LANG');
    assert.equal(parapheWith({ LANG: 'fr_FR.UTF-8', LC_ALL: 'C', LC_MESSAGES: '' }, 'info', 'missing.pdf').stderr, 'paraphe: missing.pdf does not exist\n', 'LC_ALL overrides both');
    const english = parapheWith({ LANG: 'fr_FR.UTF-8', LC_ALL: '', LC_MESSAGES: '' }, '--lang', 'en', 'info', 'missing.pdf');
    assert.equal(english.stderr, 'paraphe: missing.pdf does not exist\n', '--lang en wins over a French system');
    assert.equal(english.code, 1, 'the exit code does not depend on the language');
    // --json keeps its English message whatever the language: scripts read it.
    const json = parapheWith(ENGLISH, '--lang', 'fr', 'info', 'missing.pdf', 'gs.pdf', '--json');
    assert.deepEqual((JSON.parse(json.stdout) as { error?: unknown }[])[0], { file: 'missing.pdf', error: { code: 'not-found', message: 'missing.pdf does not exist' } });
    // Usage errors too, and a wrong --lang is a usage error (exit 2).
    const usage = parapheWith(ENGLISH, '--lang', 'fr', 'info');
    assert.deepEqual([usage.code, usage.stderr], [2, 'paraphe: info demande au moins un fichier PDF (voir « paraphe info --help »)\n']);
    const wrong = parapheWith(ENGLISH, '--lang', 'de', 'info', 'gs.pdf');
    assert.deepEqual([wrong.code, wrong.stderr], [2, "paraphe: --lang must be en or fr (got 'de') (see 'paraphe --help')\n"]);
  });

  it('still describes the good files given with bad ones', () => {
    const { code, stdout, stderr } = paraphe('info', 'hello.pdf', 'gs.pdf', 'empty.pdf', 'signed.pdf');
    assert.equal(code, 1);
    assert.equal(stderr.trim().split('\n').length, 2);
    assert.deepEqual([...stdout.matchAll(/^file:\s+(\S+)$/gm)].map((m) => m[1]), ['gs.pdf', 'signed.pdf']);
    assert.match(stdout, /cross-reference: table\n\nfile:/, 'a blank line between blocks');
  });
});

describe('paraphe usage', () => {
  it('lists the commands that exist with --help and -h', () => {
    for (const flag of ['--help', '-h']) {
      const { code, stdout } = paraphe(flag);
      assert.equal(code, 0);
      assert.match(stdout, /^Usage: paraphe <command>/);
      assert.match(stdout, /^ {2}info FILE\.pdf\.\.\. \[--json\]/m);
      assert.match(stdout, /^ {2}sign FILE\.pdf\.\.\./m);
      assert.match(stdout, /^ {2}verify FILE\.pdf\.\.\./m);
      assert.match(stdout, /^ {2}tokens \[--module PATH\]\.\.\./m);
      assert.match(stdout, /^ {2}remote ACTION \.\.\./m);
      assert.doesNotMatch(stdout, /certsign|certcentral/i, 'commands of later issues are not listed before they exist');
    }
    const info = paraphe('info', '--help');
    assert.equal(info.code, 0);
    assert.match(info.stdout, /one object for one file, an array/);
  });

  it('prints the version of package.json', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
    const { code, stdout } = paraphe('--version');
    assert.equal(code, 0);
    assert.equal(stdout, `${pkg.version}\n`);
  });

  const usage: [string[], RegExp][] = [
    [[], /^paraphe: no command given \(see 'paraphe --help'\)\n$/],
    [['inof', 'x.pdf'], /^paraphe: unknown command 'inof' \(did you mean 'info'\?\) \(see 'paraphe --help'\)\n$/],
    [['--frobnicate'], /^paraphe: unknown option '--frobnicate' \(see 'paraphe --help'\)\n$/],
    [['info'], /^paraphe: info needs at least one PDF file \(see 'paraphe info --help'\)\n$/],
    [['info', '--xml', 'gs.pdf'], /^paraphe: unknown option '--xml' for 'info' \(see 'paraphe info --help'\)\n$/],
  ];
  for (const [args, message] of usage) {
    it(`exits with 2 for "paraphe ${args.join(' ')}"`, () => {
      const { code, stdout, stderr } = paraphe(...args);
      assert.equal(code, 2);
      assert.equal(stdout, '');
      assert.match(stderr, message);
    });
  }
});

describe('paraphe info on the shared fixtures and on files signed by poppler', () => {
  const missing = missingTools('gs', 'qpdf', 'pdfsig', 'pdfinfo', 'openssl', 'certutil', 'pk12util');
  const skip = missing.length > 0 ? `missing tools: ${missing.join(', ')}` : false;
  let pdfs: TestPdfs;
  let signedOnce: string;
  let signedTwice: string;

  before(async () => {
    if (skip) return;
    const [pki, made] = await Promise.all([
      (async () => createTestPki(mkdtempSync(join(dir, 'pki-')), { ocspPort: await freePort(), httpPort: await freePort() }))(),
      makeTestPdfs(mkdtempSync(join(dir, 'pdfs-'))),
    ]);
    pdfs = made;
    signedOnce = await signWithPdfsig(pdfs.simple, join(pdfs.dir, 'signed-once.pdf'), pki, { fieldName: 'Approval' });
    signedTwice = await signWithPdfsig(signedOnce, join(pdfs.dir, 'signed-twice.pdf'), pki, { fieldName: 'Counter' });
  });

  it('agrees with pdfinfo on every readable fixture', { skip }, () => {
    for (const file of [pdfs.simple, pdfs.objectStreams, pdfs.linearized, pdfs.incremental, pdfs.pdf20, pdfs.encryptedEmptyUserPassword]) {
      const { code, stdout, stderr } = paraphe('info', '--json', file);
      assert.equal(code, 0, stderr);
      const info = JSON.parse(stdout) as { pageCount: number; pdfVersion: string; linearized: boolean };
      const expected = pdfinfo(file);
      assert.equal(info.pageCount, expected.pages, file);
      assert.equal(info.pdfVersion, expected.version, file);
      const optimized = /^Optimized:\s+yes$/m.test(run('pdfinfo', [file]));
      assert.equal(info.linearized, optimized, `${file}: linearized like pdfinfo's "Optimized"`);
    }
  });

  it('counts the revisions of the incremental and linearized fixtures', { skip }, () => {
    const revisions = (file: string) => (JSON.parse(paraphe('info', '--json', file).stdout) as { revisionCount: number }).revisionCount;
    assert.equal(revisions(pdfs.incrementalBase), 1);
    assert.equal(revisions(pdfs.incremental), 2);
    assert.equal(revisions(pdfs.linearized), 1);
  });

  it('reports the bad fixtures in one line each, with exit code 1, and describes the truncated one repaired', { skip }, () => {
    const { code, stdout, stderr } = paraphe('info', pdfs.notPdf, pdfs.empty, pdfs.truncated);
    assert.equal(code, 1);
    const lines = stderr.trim().split('\n');
    assert.equal(lines.length, 2);
    assert.match(lines[0] ?? '', /is not a PDF \(it looks like a text file\)$/);
    assert.match(lines[1] ?? '', /is empty \(0 bytes\)$/);
    assert.match(stdout, /^damaged: +yes: .*is truncated: no %%EOF\/startxref at its end \(repairable/m);
    assertNoStack(stderr);
  });

  it('finds the signatures pdfsig added, each covering its own revision', { skip }, () => {
    const { code, stdout, stderr } = paraphe('info', '--json', signedOnce, signedTwice);
    assert.equal(code, 0, stderr);
    const [once, twice] = JSON.parse(stdout) as { signed: boolean; signatureCount: number; revisionCount: number; signatures: unknown[] }[];
    assert.equal(once?.signed, true);
    assert.equal(once?.revisionCount, 2);
    assert.deepEqual(once?.signatures, [{ field: 'Approval', subFilter: 'adbe.pkcs7.detached', kind: 'signature', revision: 2 }]);
    assert.equal(twice?.signatureCount, 2);
    assert.equal(twice?.revisionCount, 3);
    assert.deepEqual(twice?.signatures, [
      { field: 'Approval', subFilter: 'adbe.pkcs7.detached', kind: 'signature', revision: 2 },
      { field: 'Counter', subFilter: 'adbe.pkcs7.detached', kind: 'signature', revision: 3 },
    ]);
    const pdfsig = spawnSync('pdfsig', ['-no-ocsp', signedTwice], { encoding: 'utf8' }).stdout;
    assert.deepEqual([...pdfsig.matchAll(/Signature Field Name: (\S+)/g)].map((m) => m[1]), ['Approval', 'Counter']);
  });
});
