import { Readable } from 'node:stream';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { RawRecord } from '../../contract/records.js';
import { csvFramer, parseCsvFields, readCsvRecords } from './csv.js';

/** Feeds `input` to the framer in the given chunk sizes (cycled), as a file read would. */
async function frame(input: Buffer | string, chunkSizes: number[] = [1 << 16], opts: { maxRecordBytes?: number; name?: string } = {}): Promise<RawRecord[]> {
  const buf = Buffer.isBuffer(input) ? input : Buffer.from(input);
  const chunks: Buffer[] = [];
  for (let i = 0, k = 0; i < buf.length; k++) {
    const n = Math.max(1, chunkSizes[k % chunkSizes.length]!);
    chunks.push(buf.subarray(i, i + n));
    i += n;
  }
  const out: RawRecord[] = [];
  for await (const r of csvFramer()(Readable.from(chunks), opts.name ?? 'in.csv', { maxRecordBytes: opts.maxRecordBytes ?? 1 << 20, onBytes: () => undefined })) out.push(r);
  return out;
}

const rowOf = (r: RawRecord) => (r.meta?.csvRow ? (JSON.parse(r.meta.csvRow) as Record<string, string>) : undefined);

/** An RFC 4180 writer, to check the framer against: quotes every field that needs it. */
function writeCsv(rows: string[][], eol: string): string {
  const cell = (v: string) => (/[",\r\n]/.test(v) || v === '' ? `"${v.replace(/"/g, '""')}"` : v);
  return rows.map((r) => r.map(cell).join(',')).join(eol) + eol;
}

describe('CSV framer', () => {
  it('reads quoted fields with separators, doubled quotes and line breaks, with each record\'s start line and exact bytes', async () => {
    const text = 'id,text,n\r\n1,"a, b",2\r\n2,"say ""hi""\r\nsecond line\nthird",3\r\n3,plain,4';
    const recs = await frame(text);
    expect(recs.map(rowOf)).toEqual([
      { id: '1', text: 'a, b', n: '2' },
      { id: '2', text: 'say "hi"\r\nsecond line\nthird', n: '3' },
      { id: '3', text: 'plain', n: '4' },
    ]);
    expect(recs.map((r) => r.origin)).toEqual([
      { kind: 'file', name: 'in.csv', line: 2 },
      { kind: 'file', name: 'in.csv', line: 3 },
      { kind: 'file', name: 'in.csv', line: 6 },
    ]);
    expect(recs[1]!.bytes.toString()).toBe('2,"say ""hi""\r\nsecond line\nthird",3');
  });

  it('keeps a bare carriage return inside an unquoted field as text, drops a BOM and skips blank lines', async () => {
    const recs = await frame('\uFEFFa,b\n\n x\ry ,z\n   \n');
    expect(recs.map(rowOf)).toEqual([{ a: ' x\ry ', b: 'z' }]);
    expect(recs[0]!.origin).toMatchObject({ line: 3 });
  });

  it('gives every unreadable row a reason, and reads the rows after it', async () => {
    const recs = await frame('a,b\n1,2,3\n4\n"5,6\n', [1 << 16], { name: 'stdin' });
    expect(recs.map((r) => r.meta?.csvError)).toEqual([
      'row has 3 fields, the header (line 1) has 2: a field holding the separator, a quote or a line break must be in double quotes',
      'row has 1 fields, the header (line 1) has 2: a field holding the separator, a quote or a line break must be in double quotes',
      'a quoted field is still open at the end of the input: its closing " is missing (the rest of the file was read as this one field)',
    ]);
    expect(recs[2]!.bytes.toString()).toBe('"5,6\n');
    expect(recs[0]!.origin).toEqual({ kind: 'stdin', name: 'stdin', line: 2 });
  });

  it('keeps the start of an oversized record and reports its real size, then goes on', async () => {
    const big = 'x'.repeat(5000);
    const recs = await frame(`a,b\n1,"${big}"\n2,ok\n`, [777], { maxRecordBytes: 100 });
    expect(recs[0]!.bytes.length).toBe(100);
    expect(recs[0]!.meta).toEqual({ totalBytes: String(5000 + 4) });
    expect(rowOf(recs[1]!)).toEqual({ a: '2', b: 'ok' });
    expect(recs[1]!.origin).toMatchObject({ line: 3 });
  });

  it('is lenient with text after a closing quote, and a trailing separator is an empty last field', () => {
    expect(parseCsvFields(Buffer.from('"ab"c,d,'))).toEqual({ fields: ['abc', 'd', ''] });
    expect(parseCsvFields(Buffer.from(''))).toEqual({ fields: [''] });
    expect(parseCsvFields(Buffer.from('"open'))).toMatchObject({ error: expect.stringContaining('never closes') });
  });

  it('reads back whatever an RFC 4180 writer wrote, however the stream is chunked', async () => {
    const field = fc.oneof(fc.string({ unit: fc.constantFrom('a', 'é', '"', ',', '\r', '\n', ' ', '日') }), fc.string());
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(field, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 12 }),
        fc.constantFrom('\n', '\r\n'),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 5 }),
        async (rows, eol, chunks) => {
          const text = writeCsv([['h1', 'h2', 'h3'], ...rows], eol);
          const recs = await frame(text, chunks);
          expect(recs.map(rowOf)).toEqual(rows.map((r) => ({ h1: r[0], h2: r[1], h3: r[2] })));
          // Each record starts on the line the writer put it on.
          let line = 2;
          recs.forEach((rec, i) => {
            expect(rec.origin).toMatchObject({ line });
            line += writeCsv([rows[i]!], eol).split('\n').length - 1;
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('splits records in bounded pieces: a record never holds more than the keep limit', async () => {
    const recs: number[] = [];
    for await (const r of readCsvRecords(Readable.from([Buffer.from(`"${'y'.repeat(300)}\n${'z'.repeat(300)}"\nb\n`)]), { maxRecordBytes: 64 })) recs.push(r.bytes.length);
    expect(recs).toEqual([64, 1]);
  });
});
