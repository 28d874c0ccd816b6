/**
 * @module score/stage
 * The score stage: every inbound message gets an upset score, label and language
 * (`env.upset`, stored as `messages.upset`, `upset_label`, `lang_detected`), with the customer's
 * recent contacts (unanswered messages, other conversations, other channels) as context. Public
 * outbound messages mark a conversation answered. It runs first, so detectors read the scores.
 *
 * @example
 * const stage = createScoreStage(parsePipelineConfig({}).score);
 * await pipeline.process(batch); // inbound messages leave with env.upset set
 */
import type { Stage } from '../pipeline/stage.js';
import type { ScoreConfig } from './config.js';
import { ContactTracker } from './contacts.js';
import { UpsetScorer, type UpsetContext, type UpsetInput } from './upset/scorer.js';

/** The scorer the `score` config describes; the score stage and `crisiscx score-text` both build it here. */
export function scorerFromConfig(config: ScoreConfig, options: { explain?: boolean } = {}): UpsetScorer {
  return new UpsetScorer({
    threshold: config.upset_threshold,
    sentimentWeight: config.sentiment_weight,
    defaultLang: config.default_lang,
    detectMinChars: config.detect_min_chars,
    explain: options.explain,
  });
}

export interface ScoreStage extends Stage {
  readonly scorer: UpsetScorer;
  readonly contacts: ContactTracker;
}

export function createScoreStage(config: ScoreConfig): ScoreStage {
  const scorer = scorerFromConfig(config);
  const contacts = new ContactTracker({ windowMs: config.repeat_contact_window_secs * 1000, maxEntries: config.max_tracked_customers });
  /** Per inbound message of the batch: unanswered, other conversations, other channels (each capped well below 256). */
  let counts = new Uint8Array(0);
  const context: Required<UpsetContext> = { unanswered: 0, otherConversations: 0, otherChannels: 0 };
  const input: UpsetInput & { context: UpsetContext } = { text: undefined, lang: undefined, sentiment: undefined, context };
  return {
    name: 'score',
    scorer,
    contacts,
    onEvents(events) {
      // Two passes over the batch: every contact first, then every text. The context of a message
      // depends only on the messages before it, not on scores, so the result is the same; each pass
      // keeps its own working set (contact tables, lexicons) in the CPU caches. The contexts wait in
      // a typed array and one input object is reused: nothing is allocated per message here.
      if (counts.length < 3 * events.length) counts = new Uint8Array(Math.max(3 * events.length, 2 * counts.length));
      let n = 0;
      for (const env of events) {
        const e = env.event;
        if (e.type !== 'message') continue;
        if (e.direction === 'outbound') {
          // An internal note answers nobody.
          if (e.public) contacts.reply(e.brand, e.conversationId, e.ts);
          continue;
        }
        contacts.inboundInto(e.brand, e.conversationId, e.customerId, e.channel, e.ts, counts, 3 * n++);
      }
      let k = 0;
      for (const env of events) {
        const e = env.event;
        if (e.type !== 'message' || e.direction === 'outbound') continue;
        context.unanswered = counts[k]!;
        context.otherConversations = counts[k + 1]!;
        context.otherChannels = counts[k + 2]!;
        k += 3;
        input.text = e.text;
        input.lang = e.lang;
        input.sentiment = e.sentiment;
        env.upset = scorer.rate(input);
      }
      input.text = input.lang = input.sentiment = undefined;
    },
    onTick(now) {
      contacts.expire(now);
    },
  };
}
