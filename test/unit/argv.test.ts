import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { pdfPathFromArg, pdfPathsFromArgv } from '../../main/app/argv';

const cwd = resolve('/home/anne/Documents');

describe('pdfPathsFromArgv', () => {
  it('skips the executable and keeps a PDF named after it', () => {
    assert.deepEqual(pdfPathsFromArgv(['/opt/Paraphe/paraphe', 'contrat.pdf'], cwd), [resolve(cwd, 'contrat.pdf')]);
  });

  it('never takes the executable itself for a document, even if it ends in .pdf', () => {
    assert.deepEqual(pdfPathsFromArgv(['/weird/name.pdf'], cwd), []);
  });

  it('skips the app path when run as `electron .` (defaultApp)', () => {
    const argv = ['/x/electron', '/work/paraphe', 'a.pdf'];
    assert.deepEqual(pdfPathsFromArgv(argv, cwd, { defaultApp: true }), [resolve(cwd, 'a.pdf')]);
  });

  it('skips the app path even when it looks like a PDF under defaultApp', () => {
    assert.deepEqual(pdfPathsFromArgv(['/x/electron', 'app.pdf', 'b.pdf'], cwd, { defaultApp: true }), [resolve(cwd, 'b.pdf')]);
  });

  it('skips Electron and Chromium switches with and without values', () => {
    const argv = ['paraphe', '--inspect=0', '--remote-debugging-port=0', '--no-sandbox', '-v', '--user-data-dir=/tmp/x.pdf', 'doc.pdf'];
    assert.deepEqual(pdfPathsFromArgv(argv, cwd), [resolve(cwd, 'doc.pdf')]);
  });

  it('treats arguments after -- as positional', () => {
    assert.deepEqual(pdfPathsFromArgv(['paraphe', '--', '-odd-name.pdf'], cwd), [resolve(cwd, '-odd-name.pdf')]);
  });

  it('keeps .pdf in any case and ignores other files', () => {
    const argv = ['paraphe', 'A.PDF', 'b.Pdf', 'notes.txt', 'pdf', 'archive.pdf.zip'];
    assert.deepEqual(pdfPathsFromArgv(argv, cwd), [resolve(cwd, 'A.PDF'), resolve(cwd, 'b.Pdf')]);
  });

  it('keeps absolute paths as they are and normalises them', () => {
    assert.deepEqual(pdfPathsFromArgv(['paraphe', '/srv/in/../out/x.pdf'], cwd), [resolve('/srv/out/x.pdf')]);
  });

  it('resolves relative paths against the given working directory, not the process cwd', () => {
    assert.deepEqual(pdfPathsFromArgv(['paraphe', '../Bureau/y.pdf'], cwd), [resolve(cwd, '../Bureau/y.pdf')]);
  });

  it('accepts file:// URLs, percent-decoded', () => {
    const file = resolve('/home/anne/Mes documents/été.pdf');
    const url = pathToFileURL(file).href;
    assert.match(url, /%20/);
    assert.deepEqual(pdfPathsFromArgv(['paraphe', url], cwd), [file]);
  });

  it('refuses remote file:// hosts, http URLs and malformed URLs', () => {
    const argv = ['paraphe', 'file://server/share/x.pdf', 'https://example.org/x.pdf', 'file://%zz/x.pdf'];
    if (process.platform !== 'win32') assert.deepEqual(pdfPathsFromArgv(argv, cwd), []);
  });

  it('drops duplicates, keeping the first occurrence order', () => {
    const argv = ['paraphe', 'a.pdf', 'b.pdf', './a.pdf', pathToFileURL(resolve(cwd, 'b.pdf')).href];
    assert.deepEqual(pdfPathsFromArgv(argv, cwd), [resolve(cwd, 'a.pdf'), resolve(cwd, 'b.pdf')]);
  });

  it('ignores empty arguments and NUL bytes', () => {
    assert.deepEqual(pdfPathsFromArgv(['paraphe', '', 'a\0.pdf'], cwd), []);
  });

  it('returns nothing for an empty argv', () => {
    assert.deepEqual(pdfPathsFromArgv([], cwd), []);
  });
});

describe('pdfPathFromArg', () => {
  it('returns an absolute path for a macOS open-file path', () => {
    assert.equal(pdfPathFromArg('/Users/anne/x.pdf', '/'), resolve('/Users/anne/x.pdf'));
  });

  it('returns null for a file that is not a PDF', () => {
    assert.equal(pdfPathFromArg('/Users/anne/x.docx', '/'), null);
  });
});
