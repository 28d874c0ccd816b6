/**
 * @module score/upset/weights
 * How much each signal moves the score, in log-odds. The score is a logistic over their sum, so
 * weights read as "how many times likelier upset": +2.7 for a complaint phrase is ×15.
 *
 * Set by hand from what each signal means in customer service (a complaint phrase alone makes a
 * message upset; a mild word alone does not; thanks cancel a mild word but not a complaint), not
 * fitted to the evaluation set, so that they carry over to messages we did not write.
 */

export const WEIGHTS = {
  /** A message with no signal at all: σ(-2.3) ≈ 0.09. */
  bias: -2.3,
  complaint: 2.7,
  complaint_mild: 1.5,
  anger: 2.8,
  anger_mild: 1.6,
  fear: 2.5,
  fear_mild: 1.5,
  positive: -2.0,
  calm: -0.7,
  /** "not happy", "not satisfied": in customer service a negated praise word is a complaint. */
  negatedPositive: 2.5,
  /** "not bad", "not worried": a negated upset word reassures a little. */
  negatedNegative: -0.6,
  intensifier: 1.5,
  diminisher: 0.6,
  /** Largest multiplier stacked intensifiers reach. */
  intensifierCap: 1.8,
  /** "2 hours", "three days": how long something has taken. */
  duration: 1.3,
  /** Angry faces and gestures (😡 🤬 😠 😤 👎 🖕). */
  angryEmoji: 1.8,
  /** Crying, fearful, eye-rolling and other unhappy faces. */
  negativeEmoji: 1.3,
  positiveEmoji: -0.8,
  /** "!!" or three "!" in a message. */
  exclaim: 0.8,
  /** "!!!" and longer runs. */
  exclaimLong: 1.0,
  /** "??", "?!". */
  question: 0.8,
  punctuationCap: 1.4,
  shouting: 1.2,
  elongation: 0.5,
  /** Per earlier unanswered inbound message in the same conversation (up to 3). */
  unanswered: 0.9,
  unansweredMax: 3,
  /** Per other conversation the customer opened within the window (up to 3). */
  otherConversation: 0.6,
  otherConversationMax: 3,
  /** Per other channel the customer used within the window (up to 2). */
  channelSwitch: 1.0,
  channelSwitchMax: 2,
  /** Caps on each group's sum, so one long rant does not count as ten. */
  caps: { complaint: 5, anger: 5, fear: 4, positive: -4, calm: -1.4, reassurance: -1.5, emoji: 3.2, positiveEmoji: -1.6 },
  /**
   * Upset evidence (lexicon and negative emoji) from which thanks and politeness stop cancelling it
   * ("still waiting, thanks", "thanks 🙄").
   */
  discountFrom: 2.0,
  /** What is left of thanks and politeness then. */
  discount: 0.1,
  /** Upstream sentiment s in [-1, 1] as a probability of upset: σ(slope·s + offset). */
  sentimentSlope: -3.5,
  sentimentOffset: -1.1,
} as const;
