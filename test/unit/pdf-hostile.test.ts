// The reader against hostile input, in process: reference cycles through object streams end
// with an error instead of waiting forever, decoding stays within the document's budget, nesting
// and counts are bounded. The same files through the command line: test/integration/hostile-inputs.
import assert from 'node:assert/strict';
import { deflateSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { PdfDict, PdfError, bytesSource, isPdfError, openPdf } from '../../main/pdf';
import type { PdfStream } from '../../main/pdf';
import { DecodeBudget, decodeFilters } from '../../main/pdf/filters';
import { Lexer, PdfSyntaxError } from '../../main/pdf/lexer';
import { parseObject } from '../../main/pdf/parser';
import { HOSTILE_CASES, HostileWriter, flateBomb, unitOf } from '../fixtures/hostile';
import { rejectsWith } from './helpers/errors';

/** `work`, or a failure after `ms` (a hang must fail the test, not stall the run). */
async function within<T>(work: Promise<T>, ms = 5_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`did not settle within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const hostile = (name: string): Uint8Array => {
  const found = HOSTILE_CASES.find((c) => c.name === name);
  if (!found) throw new Error(`no hostile case ${name}`);
  return found.build();
};

/** Opens `bytes` and reads what `paraphe info` reads, within 5 s. */
async function readAll(bytes: Uint8Array, name: string, options = {}): Promise<void> {
  await within((async () => {
    const reader = await openPdf(bytesSource(bytes, name), options);
    await reader.catalog();
    await reader.pageCount();
    await reader.fields();
  })());
}

describe('reference cycles through object streams', () => {
  for (const [name, key] of [['objstm-self-n', '/N'], ['objstm-self-first', '/First'], ['objstm-self-filter', '/Filter'], ['objstm-self-decodeparms', '/DecodeParms']] as const) {
    it(`refuses an object stream whose ${key} is stored inside it, naming the loop`, async () => {
      await rejectsWith(readAll(hostile(name), `${name}.pdf`), isPdfError, 'malformed', (message) => {
        assert.equal(message, `${name}.pdf has objects that refer to each other in a loop (object 7 needs object stream 5, which needs object 7), so they cannot be read`);
      });
    });
  }

  it('refuses two object streams that need each other, and a loop through 20 of them', async () => {
    await rejectsWith(readAll(hostile('objstm-mutual'), 'mutual.pdf'), isPdfError, 'malformed', (message) => {
      assert.match(message, /^mutual\.pdf has objects that refer to each other in a loop \(object \d+ needs object stream \d+, which needs object \d+, which needs object stream \d+, which needs object \d+\)/);
    });
    await rejectsWith(readAll(hostile('objstm-chain-cycle'), 'chain.pdf'), isPdfError, 'malformed', (message) => {
      assert.match(message, /in a loop \(object 200 needs object stream 100, which needs object 201, which needs object stream 101, which needs \.\.\. \(\d+ more\), which needs object 200\)/);
    });
  });

  it('reads an object stream whose /Length is stored inside it by measuring the data', async () => {
    const reader = await within(openPdf(bytesSource(hostile('objstm-self-length'), 'len.pdf')));
    assert.equal(await within(reader.pageCount()), 1);
    assert.ok(reader.warnings.some((m) => m.startsWith('len.pdf: object 5 0 has a wrong /Length')), reader.warnings.join('; '));
  });

  it('does not take concurrent loads of the same object stream for a loop', async () => {
    const w = new HostileWriter();
    w.objectStream(5, [[1, '<< /Type /Catalog /Pages 2 0 R >>'], [2, '<< /Type /Pages /Kids [] /Count 0 >>'], [3, '(three)'], [4, '(four)']], { dict: (_n, first) => `/N 6 0 R /First ${first}` });
    w.object(6, '4');
    w.xrefStream(9, '/Root 1 0 R');
    const reader = await openPdf(bytesSource(w.bytes()));
    const objects = await within(Promise.all([1, 2, 3, 4, 6, 3, 1].map((n) => reader.getObject(n))));
    assert.equal(objects.length, 7);
    assert.ok(objects[0] instanceof PdfDict);
  });

  it('follows a chain of 2000 streams whose /Length each refer to the next', async () => {
    const reader = await within(openPdf(bytesSource(hostile('objstm-length-chain'), 'chain.pdf')), 20_000);
    assert.equal(await within(reader.pageCount(), 20_000), 1);
  });
});

describe('the decode budget', () => {
  const streamFile = (data: Uint8Array[], filter = '/FlateDecode') => {
    const w = new HostileWriter();
    w.object(1, '<< /Type /Catalog /Pages 2 0 R >>').object(2, '<< /Type /Pages /Kids [] /Count 0 >>');
    data.forEach((d, i) => w.stream(10 + i, `/Filter ${filter}`, d));
    w.xrefTable('/Root 1 0 R');
    return w.bytes();
  };

  it('refuses a stream that inflates past the per-stream limit, with a code and a sentence', async () => {
    const reader = await openPdf(bytesSource(streamFile([deflateSync(Buffer.alloc(5000))]), 'big.pdf'), { decodeLimits: { stream: 4096, document: 1 << 20 } });
    const stream = (await reader.getObject(10)) as PdfStream;
    await rejectsWith(reader.streamData(stream), isPdfError, 'decode-limit', (message) => {
      assert.equal(message, 'big.pdf has a stream that decodes to more than 4096 bytes, the most Paraphe decodes for one stream (a protection against decompression bombs)');
    });
  });

  it('adds up every stream of the document', async () => {
    const parts = [0, 1, 2].map(() => deflateSync(Buffer.alloc(3000)));
    const reader = await openPdf(bytesSource(streamFile(parts), 'many.pdf'), { decodeLimits: { stream: 4096, document: 8000 } });
    for (const num of [10, 11]) assert.equal((await reader.streamData((await reader.getObject(num)) as PdfStream)).length, 3000);
    await rejectsWith(reader.streamData((await reader.getObject(12)) as PdfStream), isPdfError, 'decode-limit', (message) => {
      assert.match(message, /^many\.pdf needs more than 8000 bytes of decoded stream data, the most Paraphe decodes for one document/);
    });
  });

  it('refuses RunLength, ASCIIHex and ASCII85 output past the limit, after a Flate step', () => {
    const limits = { stream: 1 << 20, document: 64 << 20 };
    const rl = flateBomb(unitOf([0x81, 0x00]), 1); // 1 MiB of runs: 64 MiB of output
    assert.throws(() => decodeFilters(rl, [{ name: 'FlateDecode', params: null }, { name: 'RunLengthDecode', params: null }], 'rl.pdf', new DecodeBudget('rl.pdf', limits)), { code: 'decode-limit' });
    const a85 = flateBomb(unitOf('z'), 1);
    assert.throws(() => decodeFilters(a85, [{ name: 'FlateDecode', params: null }, { name: 'A85', params: null }], 'a85.pdf', new DecodeBudget('a85.pdf', limits)), { code: 'decode-limit' });
    const hex = Buffer.from('41'.repeat(600_000));
    assert.throws(() => decodeFilters(hex, [{ name: 'AHx', params: null }], 'hex.pdf', new DecodeBudget('hex.pdf', { stream: 500_000, document: 1 << 30 })), { code: 'decode-limit' });
    // Within the limit the output is exact.
    assert.equal(decodeFilters(hex, [{ name: 'AHx', params: null }], 'hex.pdf').length, 600_000);
  });

  it('inflates a large stream asynchronously and undoes its predictor in place', async () => {
    // 20000 rows of 7 bytes with the PNG Up predictor: type 2, then the difference from the row above.
    const rows = 20_000;
    const encoded = Buffer.alloc(rows * 8);
    for (let r = 0; r < rows; r++) {
      encoded[r * 8] = 2;
      encoded[r * 8 + 1] = 1; // each row's first byte is one more than the row above's
    }
    const data = deflateSync(encoded, { level: 0 }); // stored: large enough for the asynchronous path
    const w = new HostileWriter();
    w.object(1, '<< /Type /Catalog /Pages 2 0 R >>').object(2, '<< /Type /Pages /Kids [] /Count 0 >>');
    w.stream(10, '/Filter /FlateDecode /DecodeParms << /Predictor 12 /Columns 7 >>', data);
    w.xrefTable('/Root 1 0 R');
    const reader = await openPdf(bytesSource(w.bytes()));
    const out = await reader.streamData((await reader.getObject(10)) as PdfStream);
    assert.equal(out.length, rows * 7);
    assert.equal(out[7 * 299], 300 & 0xff);
    assert.equal(reader.budget.decoded, rows * 7);
  });

  it('refuses a Flate bomb in an xref stream at what its /Index needs', async () => {
    await rejectsWith(within(openPdf(bytesSource(hostile('flate-bomb-xref'), 'xref.pdf'))), isPdfError, 'decode-limit');
  });

  it('refuses absurd predictor parameters without allocating for them', () => {
    for (const parms of ['/Columns 2147483647', '/Colors 100000', '/Columns 100000000 /Colors 32 /BitsPerComponent 16']) {
      const params = new PdfDict([['Predictor', 12]]);
      for (const [, key, value] of parms.matchAll(/\/(\w+) (\d+)/g)) params.set(key as string, Number(value));
      assert.throws(() => decodeFilters(deflateSync(Buffer.from('\x02abc')), [{ name: 'FlateDecode', params }], 'p.pdf'), (error: unknown) => isPdfError(error, 'malformed') && /invalid predictor parameters/.test(error.message));
    }
  });
});

describe('nesting, counts and chains', () => {
  it('refuses 6000 nested arrays, dictionaries or both at any level, as a syntax error', () => {
    for (const text of ['['.repeat(6000), '<< /A '.repeat(6000), '[<< /A '.repeat(3000), `<< /Ok [1 2] /Deep ${'['.repeat(6000)}`]) {
      assert.throws(() => parseObject(new Lexer(Buffer.from(text, 'latin1'))), (error: unknown) => error instanceof PdfSyntaxError && /nested more than 200 deep/.test(error.message));
    }
    // 200 levels are still read.
    assert.ok(Array.isArray(parseObject(new Lexer(Buffer.from(`${'['.repeat(200)}${']'.repeat(200)}`)))));
  });

  it('refuses a name or number thousands of kilobytes long, and reads long strings exactly', () => {
    assert.throws(() => new Lexer(Buffer.from(`/${'a'.repeat(70_000)} `)).next(), PdfSyntaxError);
    assert.throws(() => new Lexer(Buffer.from(`${'1'.repeat(70_000)} `)).next(), PdfSyntaxError);
    const hex = new Lexer(Buffer.from(`<${'41'.repeat(100_000)}>`)).next();
    assert.ok(hex.kind === 'string' && hex.bytes.length === 100_000 && hex.bytes.every((b) => b === 0x41));
  });

  it('refuses a trailer or xref stream /Size beyond 32-bit object numbers, and an /Index larger than the file', async () => {
    await rejectsWith(openPdf(bytesSource(hostile('huge-size-table'), 'size.pdf')), isPdfError, 'broken-xref', (m) => assert.match(m, /\/Size 2147483648 is more objects than a PDF can number/));
    await rejectsWith(openPdf(bytesSource(hostile('huge-size-xref-stream'), 'size.pdf')), isPdfError, 'broken-xref', (m) => assert.match(m, /\/Index lists 2147483647 objects, more than a file of \d+ bytes can hold/));
    await rejectsWith(openPdf(bytesSource(hostile('huge-w'), 'w.pdf')), isPdfError, 'broken-xref');
  });

  it('refuses an object stream whose /N is larger than its header, and a page /Count larger than the objects', async () => {
    await rejectsWith(readAll(hostile('huge-n'), 'n.pdf'), isPdfError, 'malformed', (m) => assert.match(m, /\/N says 1000000000 objects/));
    await rejectsWith(readAll(hostile('huge-count'), 'count.pdf'), isPdfError, 'malformed', (m) => assert.match(m, /\/Count \(2147483648\) is larger than its number of objects/));
  });

  it('refuses /Prev loops and long reference chains', async () => {
    await rejectsWith(openPdf(bytesSource(hostile('prev-cycle'), 'prev.pdf')), isPdfError, 'broken-xref', (m) => assert.match(m, /the \/Prev chain loops back/));
    await rejectsWith(openPdf(bytesSource(hostile('prev-cycle-xref-streams'), 'prev.pdf')), isPdfError, 'broken-xref');
    await rejectsWith(readAll(hostile('reference-chain'), 'refs.pdf'), isPdfError, 'malformed', (m) => assert.match(m, /a chain of more than 32 references/));
  });

  it('gives every refusal of the hostile suite as a PdfError, quickly', async () => {
    for (const c of HOSTILE_CASES) {
      if (c.expect.info !== 'refused') continue;
      try {
        await readAll(c.build(), `${c.name}.pdf`);
        assert.fail(`${c.name}: read without an error`);
      } catch (error) {
        assert.ok(error instanceof PdfError, `${c.name}: ${String(error)}`);
        if (c.codes) assert.ok(c.codes.includes(error.code), `${c.name}: ${error.code}: ${error.message}`);
      }
    }
  });
});
