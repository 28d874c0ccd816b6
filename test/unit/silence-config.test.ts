import { describe, expect, it } from 'vitest';
import { parsePipelineConfig } from '../../src/config/pipeline.js';
import { thresholdRows } from '../../src/detect/silence/settings.js';

describe('detect.silence and detect.spikes config', () => {
  it('has the documented defaults', () => {
    const c = parsePipelineConfig({}).detect;
    expect(c.silence.customer.channel_thresholds_secs).toEqual({ chat: 300, social: 1800, ticket: 14_400, email: 14_400, sms: 1800, voice: 3600 });
    expect(c.silence.customer.severity_thresholds_secs).toEqual({ critical: 900 });
    expect(c.silence.customer.warn_at).toEqual([0.5, 0.8]);
    expect(c.silence.brand.threshold_secs).toBe(1800);
    expect(c.spikes).toMatchObject({ bucket_secs: 60, threshold_z: 3.5, confirm_buckets: 2, window_buckets: 3 });
    // The smaller limit applies: critical chat stays at 5 min, critical ticket drops to 15 min.
    const rows = thresholdRows(c.silence);
    expect(rows.find((r) => r.channel === 'chat' && r.severity === 'critical')!.threshold_secs).toBe(300);
    expect(rows.find((r) => r.channel === 'ticket' && r.severity === 'critical')!.threshold_secs).toBe(900);
    expect(rows.find((r) => r.channel === 'ticket' && r.severity === 'none')!.threshold_secs).toBe(14_400);
  });

  it('rejects bad values with the key, what was found and what to write', () => {
    const bad = (detect: unknown) => () => parsePipelineConfig({ detect }, 'p.yaml');
    expect(bad({ silence: { customer: { channel_thresholds_secs: { chats: 60 } } } })).toThrow(/p\.yaml: detect\.silence\.customer\.channel_thresholds_secs: unknown keys? "?chats/);
    expect(bad({ silence: { customer: { business_hours: { email: { timezone: 'Lisbon' } } } } })).toThrow(/unknown time zone "Lisbon": use an IANA name such as "Europe\/Lisbon"/);
    expect(bad({ silence: { customer: { business_hours: { email: { timezone: 'UTC', from: '9am' } } } } })).toThrow(/expected a time of day like "09:00".*got "9am"/);
    expect(bad({ silence: { customer: { business_hours: { email: { timezone: 'UTC', from: '18:00', to: '09:00' } } } } })).toThrow(/must open before they close: from "18:00" is not before to "09:00"/);
    expect(bad({ silence: { customer: { warn_at: [1.5] } } })).toThrow(/detect\.silence\.customer\.warn_at\.0/);
    expect(bad({ spikes: { threshold_z: 'high' } })).toThrow(/detect\.spikes\.threshold_z: expected number, got string "high"/);
    expect(bad({ spikes: { bucket_sec: 60 } })).toThrow(/detect\.spikes: unknown keys? "?bucket_sec/);
  });
});
