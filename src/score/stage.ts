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
import { UpsetScorer, type UpsetContext } from './upset/scorer.js';

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
  return {
    name: 'score',
    scorer,
    contacts,
    onEvents(events) {
      // Two passes over the batch: every contact first, then every text. The context of a message
      // depends only on the messages before it, not on scores, so the result is the same; each pass
      // keeps its own working set (contact tables, lexicons) in the CPU caches.
      const contexts: UpsetContext[] = [];
      for (const env of events) {
        const e = env.event;
        if (e.type !== 'message') continue;
        if (e.direction === 'outbound') {
          // An internal note answers nobody.
          if (e.public) contacts.reply({ brand: e.brand, conversationId: e.conversationId, ts: e.ts });
          continue;
        }
        contexts.push(contacts.inbound({ brand: e.brand, conversationId: e.conversationId, customerId: e.customerId, channel: e.channel, ts: e.ts }));
      }
      let k = 0;
      for (const env of events) {
        const e = env.event;
        if (e.type !== 'message' || e.direction === 'outbound') continue;
        env.upset = scorer.rate({ text: e.text, lang: e.lang, sentiment: e.sentiment, context: contexts[k++] });
      }
    },
    onTick(now) {
      contacts.expire(now);
    },
  };
}
