/** @module normalize/adapters — the adapter registry (one line per adapter). */
import type { AdapterFactory } from './adapter.js';
import { canonical } from './canonical.js';
import { chatwoot } from './chatwoot.js';
import { intercom } from './intercom.js';
import { twcs } from './twcs.js';
import { x } from './x.js';
import { zendesk } from './zendesk.js';

export type { Adapter, AdapterFactory, AdapterOptions, AdapterResult } from './adapter.js';

export const ADAPTERS: Record<string, AdapterFactory> = {
  canonical,
  zendesk,
  chatwoot,
  intercom,
  x,
  twcs,
};
