/** @module normalize/adapters/canonical — events already in the contract's shape. */
import type { Adapter, AdapterFactory } from './adapter.js';

export const canonical: AdapterFactory = (): Adapter => ({
  name: 'canonical',
  framing: 'ndjson',
  description: 'events already in the crisiscx contract (../shared/EVENTS.md), one JSON object per line',
  map(value) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return { error: `expected a JSON object, got ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}` };
    }
    return { events: [value] };
  },
});
