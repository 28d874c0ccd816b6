/**
 * The live page's script is served from a committed bundle (src/serve/live/page/bundle.generated.ts,
 * so the server needs no bundler at run time): it must be the bundle of the current page sources.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { pageBundleModule, OUTPUT } from '../../scripts/build-page.js';

describe('live page bundle', () => {
  it('is the bundle of the current page sources (run npm run page after changing them)', async () => {
    expect(OUTPUT).toBe(fileURLToPath(new URL('../../src/serve/live/page/bundle.generated.ts', import.meta.url)));
    expect(readFileSync(OUTPUT, 'utf8'), 'src/serve/live/page/bundle.generated.ts is out of date: run npm run page').toBe(await pageBundleModule());
  }, 30_000);
});
