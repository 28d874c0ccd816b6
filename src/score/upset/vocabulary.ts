/**
 * @module score/upset/vocabulary
 * Every word a lexicon or a language vote looks for, numbered. The tokenizer hashes each word of a
 * message as it reads it and finds its number here without cutting the word out of the text, so
 * matching a message compares numbers instead of building and hashing a string per word.
 *
 * Words are added while lexicons and voting boards are compiled, before any message they judge is
 * tokenized; a word added later is simply unknown (-1) to tokens read before it.
 *
 * @example
 * const id = VOCABULARY.add('refund');
 * VOCABULARY.find('my refund', 3, 9, hashOf('my refund', 3, 9)) === id; // true
 */

const FNV_OFFSET = 0x811c9dc5 | 0;
const FNV_PRIME = 0x01000193;

/** Starting value of a word's hash. */
export const HASH_START = FNV_OFFSET;

/** The hash after one more UTF-16 code unit (FNV-1a, 32 bits). */
export function hashStep(h: number, code: number): number {
  return Math.imul(h ^ code, FNV_PRIME);
}

/** The hash of `s.slice(start, end)`, as the tokenizer computes it while reading. */
export function hashOf(s: string, start = 0, end = s.length): number {
  let h = HASH_START;
  for (let i = start; i < end; i++) h = hashStep(h, s.charCodeAt(i));
  return h;
}

export class Vocabulary {
  private readonly words: string[] = [];
  /** Per id: the word's hash (typed, so a comparison reads no boxed number). */
  private hashes = new Int32Array(1 << 11);
  /** Open addressing: id + 1 per slot, 0 for empty. Kept at most half full. */
  private slots = new Int32Array(1 << 12);

  get size(): number {
    return this.words.length;
  }

  /** The id of `word`, adding it when new. */
  add(word: string): number {
    const h = hashOf(word);
    const found = this.find(word, 0, word.length, h);
    if (found >= 0) return found;
    const id = this.words.length;
    this.words.push(word);
    if (id >= this.hashes.length) {
      const more = new Int32Array(this.hashes.length * 2);
      more.set(this.hashes);
      this.hashes = more;
    }
    this.hashes[id] = h;
    if (2 * this.words.length > this.slots.length) this.grow();
    else this.place(id, h);
    return id;
  }

  /** The id of the word `text.slice(start, end)` whose hash is `h`, or -1 when it is not a known word. */
  find(text: string, start: number, end: number, h: number): number {
    const slots = this.slots;
    const mask = slots.length - 1;
    for (let slot = h & mask; ; slot = (slot + 1) & mask) {
      const id = slots[slot]! - 1;
      if (id < 0) return -1;
      if (this.hashes[id] === h && sameWord(this.words[id]!, text, start, end)) return id;
    }
  }

  /** The word an id stands for. */
  word(id: number): string {
    return this.words[id]!;
  }

  private place(id: number, h: number): void {
    const mask = this.slots.length - 1;
    let slot = h & mask;
    while (this.slots[slot] !== 0) slot = (slot + 1) & mask;
    this.slots[slot] = id + 1;
  }

  private grow(): void {
    this.slots = new Int32Array(this.slots.length * 2);
    for (let id = 0; id < this.words.length; id++) this.place(id, this.hashes[id]!);
  }
}

/** Whether `w` is `text.slice(start, end)`, compared in place. */
function sameWord(w: string, text: string, start: number, end: number): boolean {
  if (w.length !== end - start) return false;
  for (let i = 0; i < w.length; i++) if (w.charCodeAt(i) !== text.charCodeAt(start + i)) return false;
  return true;
}

/** The one vocabulary all lexicons and voting boards share (a word's id is the same whichever language looks). */
export const VOCABULARY = new Vocabulary();
