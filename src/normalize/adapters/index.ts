/** @module normalize/adapters — the adapter registry (one line per adapter). */
import type { AdapterFactory } from './adapter.js';
import { canonical } from './canonical.js';

export type { Adapter, AdapterFactory, AdapterOptions, AdapterResult } from './adapter.js';

export const ADAPTERS: Record<string, AdapterFactory> = {
  canonical,
};
