/**
 * @module normalize/adapters/adapter
 * An adapter turns one record of a foreign format (a Zendesk ticket event, a Chatwoot webhook, a
 * tweet) into zero or more events of the contract. It never throws for bad input: it says why.
 */
import type { RawRecord } from '../../contract/records.js';

export type AdapterResult =
  /** Candidate events (validated against the contract afterwards). May be empty: nothing to map. */
  | { events: unknown[] }
  /** The record cannot be mapped; the reason goes into the dead letter. */
  | { error: string };

export interface Adapter {
  /** The name used with `--format` and in pipeline configs. */
  readonly name: string;
  /** How a file or stream is cut into records: JSON lines (default) or CSV rows with a header. */
  readonly framing: 'ndjson' | 'csv';
  /**
   * For `csv` framing: a record can also come alone, without the file's header (one CSV line in
   * the format's documented column order, or a JSON object with its column names), as a Kafka
   * message does. The adapter then reads `record.bytes` itself when `value` is null.
   */
  readonly standaloneRecords?: boolean;
  /** One sentence for `--help`. */
  readonly description: string;
  /**
   * Maps one parsed record. For `ndjson` framing `value` is the parsed JSON; for `csv` it is an
   * object keyed by the header's column names.
   */
  map(value: unknown, record: RawRecord): AdapterResult;
}

export interface AdapterOptions {
  /** The brand to stamp on events that carry none. */
  brand?: string;
  /** Account ids or handles that belong to the brand (decides direction on social formats). */
  brandAccounts?: string[];
}

export type AdapterFactory = (options: AdapterOptions) => Adapter;
