/**
 * Detections the alert tests feed to the alert stage, shaped as the silence stage emits them
 * (docs/detectors.md, kind `customer_silence`).
 */
import type { Detection } from '../../src/pipeline/stage.js';

/** A customer on chat waiting in conversation `conv` of `brand`, in `state` at `at`. */
export function customerSilence(brand: string, conv: string, at: number, state: Detection['state'] = 'firing'): Detection {
  return {
    kind: 'customer_silence',
    key: `${brand}|${conv}`,
    brand,
    state,
    at,
    severity: 'warning',
    summary: `customer on ${conv} waiting`,
    labels: { channel: 'chat', severity: 'normal', customer: `cust-${conv}` },
    values: { wait_secs: 300 },
  };
}
