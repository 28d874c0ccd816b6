/**
 * @module sources/scenario/random
 * Seeded randomness for generated data (the scenario, evaluation series, property tests): the same
 * seed gives the same numbers on every machine.
 *
 * @example
 * const r = samplers(rng(42));
 * r.poisson(3.5); r.gauss(); r.expo(10);
 */

/** mulberry32: small, fast, good enough for simulation, and seedable. Uniform in [0, 1). */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Samplers {
  /** Standard normal (Box–Muller, one draw per call). */
  gauss(): number;
  /** Exponential with the given mean. */
  expo(mean: number): number;
  /** Poisson count: Knuth's method, the normal approximation above `normalAbove`. */
  poisson(mean: number, normalAbove?: number): number;
}

export function samplers(rand: () => number): Samplers {
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  return {
    gauss,
    expo: (mean) => -Math.log(1 - rand()) * mean,
    poisson(mean, normalAbove = 30) {
      if (mean > normalAbove) return Math.max(0, Math.round(mean + Math.sqrt(mean) * gauss()));
      const L = Math.exp(-mean);
      let k = 0;
      let p = 1;
      do {
        k++;
        p *= rand();
      } while (p > L);
      return k - 1;
    },
  };
}
