/**
 * @module store/bloom
 * A scalable Bloom filter over strings: "definitely new" or "maybe seen". The event writer uses it to
 * skip the database look-up for the ids it has never seen, which is nearly every id of a live stream.
 */

const FNV_OFFSET = 0x811c9dc5;

/** The two hashes of the last `hashes()` call (module state, not a tuple: no allocation per id). */
let H1 = 0;
let H2 = 0;

/** Two independent 32-bit hashes of a string (FNV-1a and a murmur-style mix), combined per probe, into H1 and H2. */
function hashes(s: string): void {
  let h1 = FNV_OFFSET;
  let h2 = 0x9747b28c;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h1 ^= c;
    h1 = Math.imul(h1, 0x01000193);
    h2 = Math.imul(h2 ^ c, 0x5bd1e995);
    h2 ^= h2 >>> 13;
  }
  h2 = Math.imul(h2 ^ (h2 >>> 15), 0x27d4eb2d);
  H1 = h1 >>> 0;
  H2 = (h2 >>> 0) | 1;
}

class Layer {
  readonly bits: Uint32Array;
  readonly m: number;
  count = 0;
  constructor(
    readonly capacity: number,
    readonly k: number,
    fpRate: number,
  ) {
    this.m = Math.max(64, Math.ceil((-capacity * Math.log(fpRate)) / (Math.LN2 * Math.LN2)));
    this.bits = new Uint32Array(Math.ceil(this.m / 32));
  }
  add(h1: number, h2: number): void {
    for (let i = 0; i < this.k; i++) {
      const b = (h1 + Math.imul(i, h2)) >>> 0;
      const idx = b % this.m;
      this.bits[idx >>> 5]! |= 1 << (idx & 31);
    }
    this.count++;
  }
  has(h1: number, h2: number): boolean {
    for (let i = 0; i < this.k; i++) {
      const idx = ((h1 + Math.imul(i, h2)) >>> 0) % this.m;
      if ((this.bits[idx >>> 5]! & (1 << (idx & 31))) === 0) return false;
    }
    return true;
  }
}

export class ScalableBloom {
  private readonly layers: Layer[] = [];

  constructor(
    private readonly initialCapacity = 1 << 16,
    private readonly fpRate = 0.001,
  ) {
    this.layers.push(this.newLayer(initialCapacity, fpRate));
  }

  private newLayer(capacity: number, fp: number): Layer {
    const k = Math.max(1, Math.round(-Math.log2(fp)));
    return new Layer(capacity, k, fp);
  }

  add(s: string): void {
    let top = this.layers[this.layers.length - 1]!;
    if (top.count >= top.capacity) {
      // Each new layer is 4x larger with a tighter rate, so the total false-positive rate stays bounded.
      top = this.newLayer(top.capacity * 4, this.fpRate / 2 ** this.layers.length);
      this.layers.push(top);
    }
    hashes(s);
    top.add(H1, H2);
  }

  has(s: string): boolean {
    hashes(s);
    const h1 = H1;
    const h2 = H2;
    for (const l of this.layers) if (l.has(h1, h2)) return true;
    return false;
  }

  get size(): number {
    return this.layers.reduce((n, l) => n + l.count, 0);
  }

  get bytes(): number {
    return this.layers.reduce((n, l) => n + l.bits.byteLength, 0);
  }
}
