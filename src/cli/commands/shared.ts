/** @module cli/commands/shared — options and helpers several commands use. */
import { Option } from 'commander';
import { Database } from '../../store/database.js';

export const dbOption = () => new Option('--db <file>', 'the DuckDB database file').default('crisiscx.duckdb');

export async function withDatabase<T>(path: string, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await Database.open(path);
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/** Resolves when the process is asked to stop (Ctrl-C, SIGTERM); aborts the returned signal. */
export function stopSignal(): { signal: AbortSignal; stopped: Promise<void> } {
  const ac = new AbortController();
  const stopped = new Promise<void>((resolve) => {
    const stop = () => {
      ac.abort();
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  return { signal: ac.signal, stopped };
}
