/**
 * @module alert/sinks/slack
 * A notification as a Slack message (incoming webhooks and chat.postMessage take the same shape):
 * `text` as the fallback for notifications and screen readers, `blocks` for the layout. Text from
 * alerts is escaped for Slack's mrkdwn, so a label can never mention @channel or forge a link.
 */
import { formatDuration } from '../summary.js';
import type { AlertNotification } from '../sink.js';

/** Slack's mrkdwn control characters. */
export function escapeMrkdwn(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function cut(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

const ICON: Record<string, string> = { critical: ':red_circle:', warning: ':large_orange_circle:', info: ':large_blue_circle:' };

function when(ms: number): string {
  return `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

export interface SlackMessage {
  text: string;
  blocks: Record<string, unknown>[];
}

export function slackMessage(n: AlertNotification): SlackMessage {
  const resolved = n.state === 'resolved';
  const icon = resolved ? ':white_check_mark:' : (ICON[n.severity] ?? '');
  const status = resolved ? 'RESOLVED' : 'FIRING';
  const count = n.count > 1 ? ` ×${n.count}` : '';
  const title = `${status}${count} ${n.rule} · ${n.brand}`;
  const fields = [
    `*Brand*\n${escapeMrkdwn(n.brand)}`,
    `*Rule*\n${escapeMrkdwn(n.rule)}`,
    `*Severity*\n${n.severity}`,
    `*Alerts*\n${n.count}${n.inhibited ? ` (+${n.inhibited} held back)` : ''}`,
    `*Since*\n${when(n.startsAt)}`,
  ];
  if (resolved && n.endsAt !== undefined) fields.push(`*Ended*\n${when(n.endsAt)} (after ${formatDuration((n.endsAt - n.startsAt) / 1000)})`);
  const blocks: Record<string, unknown>[] = [
    { type: 'header', text: { type: 'plain_text', text: cut(`${resolved ? '✅' : n.severity === 'critical' ? '🔴' : n.severity === 'warning' ? '🟠' : '🔵'} ${title}`, 150), emoji: true } },
    { type: 'section', text: { type: 'mrkdwn', text: cut(escapeMrkdwn(n.summary), 3000) }, fields: fields.map((t) => ({ type: 'mrkdwn', text: cut(t, 2000) })) },
  ];
  const url = n.link && /^https?:\/\//.test(n.link) ? n.link : undefined;
  if (url) {
    blocks.push({
      type: 'actions',
      elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open the data' }, url: cut(url, 3000), action_id: 'crisiscx_open' }],
    });
  }
  // The SQL behind it, for analysts (or, without a server, the command that runs it).
  const code = url ? n.query : (n.link ?? n.query);
  if (code) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: cut(`The data:\n\`\`\`${escapeMrkdwn(code)}\`\`\``, 3000) } });
  blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: cut(`crisiscx · key \`${escapeMrkdwn(n.key)}\`${n.id ? ` · ${escapeMrkdwn(n.id)}` : ''}`, 2000) }] });
  const link = n.link && /^https?:\/\//.test(n.link) ? ` <${n.link}|open the data>` : '';
  return { text: cut(`${icon} [${status}${count}] ${escapeMrkdwn(n.rule)} ${escapeMrkdwn(n.brand)}: ${escapeMrkdwn(n.summary)}${link}`, 3000), blocks };
}
