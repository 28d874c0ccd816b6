/**
 * @module store/sql
 * Small SQL text helpers: identifiers and literals are always quoted through here.
 */

/** Quotes an identifier for DuckDB: `my "table"` becomes `"my ""table"""`. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes a string literal: `it's` becomes `'it''s'`. */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/** Splits a .sql file into statements on `;` at line ends, ignoring `--` comment lines. */
export function splitSqlFile(text: string): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  for (const line of text.split('\n')) {
    if (/^\s*--/.test(line) && cur.length === 0) continue;
    cur.push(line);
    if (/;\s*(--.*)?$/.test(line)) {
      const stmt = cur.join('\n').trim();
      if (stmt.replace(/--.*$/gm, '').trim().replace(/;$/, '').trim()) out.push(stmt);
      cur = [];
    }
  }
  const rest = cur.join('\n').replace(/--.*$/gm, '').trim();
  if (rest) out.push(cur.join('\n').trim());
  return out;
}
