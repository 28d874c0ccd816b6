/** The seed every property runs with (test/setup/fast-check.ts): fixed in CI, random or replayed on request. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FIXED_FC_SEED, seedFromEnv } from '../setup/fast-check.js';

describe('FC_SEED', () => {
  it('runs with the fixed seed unless told otherwise, a fresh one with "random", or the one given', () => {
    expect(seedFromEnv(undefined)).toBe(FIXED_FC_SEED);
    expect(seedFromEnv('')).toBe(FIXED_FC_SEED);
    expect(seedFromEnv('random')).toBeUndefined();
    expect(seedFromEnv('-630483863')).toBe(-630483863);
  });

  it('refuses anything else, quoting it and saying what to set', () => {
    expect(() => seedFromEnv('17x')).toThrow('FC_SEED must be an integer (a seed a failed property printed) or "random", got "17x"; unset it to run with the fixed CI seed');
    expect(() => seedFromEnv('1.5')).toThrow(/got "1\.5"/);
  });

  it('is what the properties of this run use', () => {
    const seed = seedFromEnv(process.env.FC_SEED);
    if (seed === undefined) expect(fc.readConfigureGlobal().seed).toBeUndefined();
    else expect(fc.readConfigureGlobal().seed).toBe(seed);
  });
});
