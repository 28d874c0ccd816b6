/**
 * @module telemetry/metrics
 * The catalogue of the pipeline's own metrics: every name, unit and label in one place (counters end
 * in `_total`). Code records through {@link PipelineMetrics}, built on the OpenTelemetry API's
 * global meter: without a configured SDK every instrument is a no-op, so libraries and tests that
 * never start telemetry pay nothing.
 *
 * @example
 * const m = PipelineMetrics.fromGlobal();
 * m.eventsIn.add(500, { source: 'kafka' });
 */
import { metrics, type Counter, type Histogram, type Meter, type ObservableCounter, type ObservableGauge } from '@opentelemetry/api';

export const METER_NAME = 'crisiscx';

/** Name, kind, unit, labels and meaning of every metric crisiscx exports (docs/dashboards.md lists them too). */
export const METRIC_CATALOGUE = {
  events_in: {
    name: 'crisiscx_events_in_total',
    kind: 'counter',
    labels: ['source'],
    help: 'Records read from the sources, valid or not (source: file, stdin, kafka, scenario, http).',
  },
  events_stored: {
    name: 'crisiscx_events_stored_total',
    kind: 'counter',
    labels: ['source', 'type'],
    help: 'Events stored for the first time (duplicates excluded), by where they were read and event type.',
  },
  duplicates: {
    name: 'crisiscx_duplicates_total',
    kind: 'counter',
    labels: [],
    help: 'Events skipped because their id was already stored (replays, redeliveries).',
  },
  dead_letters: {
    name: 'crisiscx_dead_letters_total',
    kind: 'counter',
    labels: ['stage'],
    help: 'Records that could not become events, by the step that rejected them (size, encoding, parse, schema, adapter, store).',
  },
  batches: {
    name: 'crisiscx_batches_total',
    kind: 'counter',
    labels: [],
    help: 'Source batches processed (one DuckDB transaction each).',
  },
  batch_latency: {
    name: 'crisiscx_batch_latency_seconds',
    kind: 'histogram',
    unit: 's',
    labels: [],
    help: 'Time to process one batch: normalize, score, detect, store (one transaction) and after-commit hooks.',
  },
  consumer_lag: {
    name: 'crisiscx_consumer_lag',
    kind: 'gauge',
    labels: ['topic', 'partition'],
    help: 'Kafka messages not yet consumed (high watermark minus next offset), per topic and partition.',
  },
  event_time_lag: {
    name: 'crisiscx_event_time_lag_seconds',
    kind: 'gauge',
    unit: 's',
    labels: [],
    help: 'Pipeline clock minus the newest stored event time: how far behind the input the stored data is.',
  },
  open_silences: {
    name: 'crisiscx_open_silences',
    kind: 'gauge',
    labels: ['brand', 'kind'],
    help: 'Silences past their limit now, as the silence detector reports them (kind: customer_silence = a customer waiting past the limit of the channel and severity, brand_silence = a brand quiet in public during a crisis).',
  },
  detections: {
    name: 'crisiscx_detections_total',
    kind: 'counter',
    labels: ['kind', 'state'],
    help: 'Detections made by the detectors (spike, silence, promise, ...) by state (warning, firing, resolved).',
  },
  alerts_fired: {
    name: 'crisiscx_alerts_fired_total',
    kind: 'counter',
    labels: ['rule'],
    help: 'Alerts that reached the firing state, by rule, as stored in the alerts table of this database.',
  },
  live_clients: {
    name: 'crisiscx_live_clients',
    kind: 'gauge',
    labels: [],
    help: 'Browsers connected to the live page (server-sent events).',
  },
} as const;

/** Batch latency buckets (seconds): a batch takes milliseconds when calm, seconds under backlog. */
export const BATCH_LATENCY_BUCKETS_SECS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** The synchronous instruments; observable ones (gauges, alerts fired) are registered by their owners. */
export class PipelineMetrics {
  readonly eventsIn: Counter;
  readonly eventsStored: Counter;
  readonly duplicates: Counter;
  readonly deadLetters: Counter;
  readonly batches: Counter;
  readonly batchLatency: Histogram;
  readonly detections: Counter;

  constructor(readonly meter: Meter) {
    const c = METRIC_CATALOGUE;
    this.eventsIn = meter.createCounter(c.events_in.name, { description: c.events_in.help });
    this.eventsStored = meter.createCounter(c.events_stored.name, { description: c.events_stored.help });
    this.duplicates = meter.createCounter(c.duplicates.name, { description: c.duplicates.help });
    this.deadLetters = meter.createCounter(c.dead_letters.name, { description: c.dead_letters.help });
    this.batches = meter.createCounter(c.batches.name, { description: c.batches.help });
    this.batchLatency = meter.createHistogram(c.batch_latency.name, {
      description: c.batch_latency.help,
      unit: c.batch_latency.unit,
      advice: { explicitBucketBoundaries: BATCH_LATENCY_BUCKETS_SECS },
    });
    this.detections = meter.createCounter(c.detections.name, { description: c.detections.help });
  }

  /** Instruments on the global meter provider (a no-op until {@link startTelemetry} registers one). */
  static fromGlobal(): PipelineMetrics {
    return new PipelineMetrics(metrics.getMeter(METER_NAME));
  }

  observableGauge(key: 'consumer_lag' | 'event_time_lag' | 'open_silences' | 'live_clients'): ObservableGauge {
    const d = METRIC_CATALOGUE[key];
    return this.meter.createObservableGauge(d.name, { description: d.help, ...('unit' in d ? { unit: d.unit } : {}) });
  }

  observableCounter(key: 'alerts_fired'): ObservableCounter {
    const d = METRIC_CATALOGUE[key];
    return this.meter.createObservableCounter(d.name, { description: d.help });
  }
}
