/** The range the page and reports show, from the address: what users type and what they are told. */
import { describe, expect, it } from 'vitest';
import { parseRange, rangeQuery, RangeRequestError } from './range.js';

const p = (q: string) => parseRange(new URLSearchParams(q));

describe('parseRange', () => {
  it('reads live windows, all data, crisis periods and custom ranges', () => {
    expect(p('')).toEqual({ mode: 'live', hours: 6 });
    expect(p('brand=acme&hours=24')).toEqual({ mode: 'live', hours: 24, brand: 'acme' });
    expect(p('range=all')).toMatchObject({ mode: 'all' });
    expect(p('period=acme/2026-03-14T08:05Z')).toMatchObject({ mode: 'period', periodId: 'acme/2026-03-14T08:05Z' });
    expect(p('from=2026-03-14T08:00:00Z&to=2026-03-14T11:00:00%2B02:00')).toMatchObject({ mode: 'custom', from: Date.parse('2026-03-14T08:00:00Z'), to: Date.parse('2026-03-14T09:00:00Z') });
  });

  it('round-trips through the query string it makes', () => {
    for (const q of ['brand=acme&range=live', 'brand=acme&range=live&hours=24', 'brand=acme&range=all', 'brand=acme&period=acme%2F2026-03-14T08%3A05Z', 'brand=acme&from=2026-03-14T08%3A00%3A00.000Z&to=2026-03-14T09%3A00%3A00.000Z']) {
      expect(rangeQuery(p(q))).toBe(q);
    }
  });

  it('refuses what it cannot read, quoting it and saying what to send', () => {
    const err = (q: string) => {
      try {
        p(q);
      } catch (e) {
        expect(e).toBeInstanceOf(RangeRequestError);
        return (e as Error).message;
      }
      throw new Error(`${q} was accepted`);
    };
    expect(err('hours=-1')).toBe('hours="-1" is not a window length: send a number of hours between 0 and 2160, e.g. hours=6');
    expect(err('range=week')).toMatch(/^range="week" is not a range: send range=live/);
    expect(err('range=period')).toMatch(/needs period=<period_id>/);
    expect(err('from=2026-03-14T08:00:00Z')).toMatch(/needs both from= and to=/);
    expect(err('from=yesterday&to=2026-03-14T08:00:00Z')).toMatch(/^from="yesterday" is not a time: send an ISO 8601 time with its zone/);
    expect(err('from=2026-03-14T08:00:00&to=2026-03-14T09:00:00Z')).toMatch(/^from="2026-03-14T08:00:00" is not a time/);
    expect(err('from=2026-03-14T09:00:00Z&to=2026-03-14T08:00:00Z')).toMatch(/is not after .*: swap them/);
  });
});
