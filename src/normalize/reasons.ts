/**
 * @module normalize/reasons
 * Turns zod issues into one sentence a person can act on:
 * `message.direction: expected "inbound" or "outbound", got "in"`.
 */
import type { z } from 'zod';

const MAX_SHOWN = 60;

export function showValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') {
    const s = v.length > MAX_SHOWN ? `${v.slice(0, MAX_SHOWN)}…` : v;
    return JSON.stringify(s);
  }
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  if (Array.isArray(v)) return `an array`;
  return `an object`;
}

function orList(values: readonly unknown[]): string {
  const shown = values.map((v) => JSON.stringify(v));
  if (shown.length <= 1) return shown.join('');
  return `${shown.slice(0, -1).join(', ')} or ${shown[shown.length - 1]}`;
}

function issueText(issue: z.core.$ZodIssue): string {
  const input = (issue as { input?: unknown }).input;
  switch (issue.code) {
    case 'invalid_value':
      return `expected ${orList(issue.values)}, got ${showValue(input)}`;
    case 'invalid_type':
      if (input === undefined) return `is required (${issue.expected})`;
      return `expected ${issue.expected}, got ${typeof input === 'object' ? showValue(input) : `${typeof input} ${showValue(input)}`}`;
    case 'too_big':
      if (issue.origin === 'string') return `is longer than ${String(issue.maximum)} characters`;
      return `must be at most ${String(issue.maximum)}, got ${showValue(input)}`;
    case 'too_small':
      if (issue.origin === 'string') return Number(issue.minimum) <= 1 ? 'must not be empty' : `is shorter than ${String(issue.minimum)} characters`;
      return `must be at least ${String(issue.minimum)}, got ${showValue(input)}`;
    case 'invalid_union': {
      const note = (issue as { note?: string; options?: unknown[] }).options;
      if (note) return `expected ${orList(note)}, got ${showValue((input as Record<string, unknown> | undefined)?.type ?? input)}`;
      return issue.message;
    }
    case 'unrecognized_keys':
      return `unknown keys ${issue.keys.join(', ')}`;
    default:
      return issue.message;
  }
}

/**
 * @param prefix what the path is inside of (the event type, e.g. `message`), or '' for top level.
 * @param limit how many issues to spell out before "and N more".
 */
export function formatIssues(issues: readonly z.core.$ZodIssue[], prefix = '', limit = 3): string {
  const parts = issues.slice(0, limit).map((i) => {
    const path = [prefix, ...i.path.map(String)].filter(Boolean).join('.');
    return path ? `${path}: ${issueText(i)}` : issueText(i);
  });
  if (issues.length > limit) parts.push(`and ${issues.length - limit} more`);
  return parts.join('; ');
}
