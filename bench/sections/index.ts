/** The benchmark sections, one line each. */
import { adapters } from './adapters.js';
import { alertLatency } from './alerts.js';
import { detectors } from './detectors.js';
import { fileIngest } from './file.js';
import { kafkaIngest } from './kafka.js';
import { memory } from './memory.js';
import { upsetScorer } from './upset.js';
import { viewLatency } from './views.js';

export interface BenchResult {
  section: string;
  figure: string;
  value: string;
  target?: string;
  met?: boolean;
}

export type Section = () => Promise<BenchResult[]>;

export const SECTIONS: Record<string, Section> = {
  file: fileIngest,
  adapters,
  upset: upsetScorer,
  detectors,
  kafka: kafkaIngest,
  memory,
  alerts: alertLatency,
  views: viewLatency,
};
