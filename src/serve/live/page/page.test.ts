/**
 * The live page's building blocks: text and attributes from data can never become markup, and the
 * chart draws what the data says. (The bundle's sync with these sources: test/unit/dashboards-live-page.test.ts.)
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fillBuckets, volumeChart } from './chart.js';
import { formatDuration, formatShortDuration } from './format.js';
import { h, toHtml, UnsafeAttributeError } from './vnode.js';

describe('element trees from data', () => {
  it('render any text as text: no tag, attribute or entity survives', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme' }), fc.string(), (text, attr) => {
        const html = toHtml(h('p', { title: attr }, text));
        const inner = html.slice(html.indexOf('>') + 1, -'</p>'.length);
        expect(inner).not.toMatch(/[<>"']/);
        expect(inner.replace(/&(amp|lt|gt|quot|#39);/g, '')).not.toContain('&');
        const attrValue = html.slice('<p title="'.length, html.indexOf('">'));
        expect(attrValue).not.toMatch(/[<>"']/);
      }),
    );
    expect(toHtml(h('p', null, '<script>alert("xss")</script>'))).toBe('<p>&lt;script&gt;alert(&quot;xss&quot;)&lt;/script&gt;</p>');
  });

  it('refuse event handlers, script-like tags and javascript: links', () => {
    expect(() => h('img', { onerror: 'alert(1)' })).toThrow(UnsafeAttributeError);
    expect(() => h('a', { href: 'javascript:alert(1)' })).toThrow(/only paths of this server and http\(s\) URLs/);
    expect(() => h('a', { href: '//evil.example/x' })).toThrow(UnsafeAttributeError);
    expect(() => h('script', null, 'x')).toThrow(/cannot be built from data/);
    expect(() => h('p', { 'a b': 'x' })).toThrow(/is not an attribute name/);
    expect(toHtml(h('a', { href: '/report?brand=a&b' }, 'r'))).toBe('<a href="/report?brand=a&amp;b">r</a>');
  });
});

describe('volume chart', () => {
  const T0 = Date.parse('2026-03-14T08:00:00Z');
  it('fills quiet buckets with zero and sums into coarser steps past 2,000 buckets', () => {
    expect(fillBuckets([{ t: T0 + 120_000, v: 3 }], T0, T0 + 180_000, 60_000)).toEqual([
      { t: T0, v: 0 },
      { t: T0 + 60_000, v: 0 },
      { t: T0 + 120_000, v: 3 },
      { t: T0 + 180_000, v: 0 },
    ]);
    const many = fillBuckets([{ t: T0, v: 1 }, { t: T0 + 60_000, v: 2 }], T0, T0 + 4000 * 60_000, 60_000);
    expect(many.length).toBeLessThanOrEqual(2001);
    expect(many[0]!.v).toBe(3);
  });

  it('draws the peak of a series at the top of the plot and a spike in its lane', () => {
    const svg = toHtml(
      volumeChart({
        from: T0,
        to: T0 + 10 * 60_000,
        bucketMs: 60_000,
        series: [{ name: 'chat', color: '#2563eb', points: [{ t: T0 + 5 * 60_000, v: 8 }] }],
        bands: [{ from: T0 + 4 * 60_000, to: T0 + 6 * 60_000, color: '#2563eb', kind: 'spike', lane: 'chat', peak: T0 + 5 * 60_000 }],
        width: 500,
        height: 200,
      }),
    );
    const path = /<path d="([^"]+)"[^>]*class="series" data-series="chat"/.exec(svg)?.[1];
    expect(path).toBeDefined();
    const pts = [...path!.matchAll(/[ML]([\d.]+),([\d.]+)/g)].map((m) => ({ x: Number(m[1]), y: Number(m[2]) }));
    expect(pts).toHaveLength(11);
    // The 8 at minute 5 is the highest point (smallest y), in the middle of the plot; the rest lie on the baseline.
    const top = pts.reduce((a, b) => (b.y < a.y ? b : a));
    expect(pts.indexOf(top)).toBe(5);
    expect(new Set(pts.filter((p) => p !== top).map((p) => p.y)).size).toBe(1);
    expect(svg).toContain('data-lane="chat"');
    expect(svg).toContain('class="lane-label"');
  });
});

describe('durations', () => {
  it('read as people say them', () => {
    expect([45, 605, 3900, 2 * 86400 + 3 * 3600].map(formatDuration)).toEqual(['45s', '10m 05s', '1h 05m', '2d 03h']);
    expect([1800, 3600, 3900].map(formatShortDuration)).toEqual(['30m', '1h', '1h 05m']);
  });
});
