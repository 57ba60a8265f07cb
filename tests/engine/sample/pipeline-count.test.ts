import { describe, expect, it } from 'vitest';
import { defaultPipelineCount } from '../../../electron/engine/sample/generate.ts';

// On two cores one pipeline already keeps both busy at less CPU per crystal than two (generate.ts explains the
// measurement); with more cores, one pipeline per core once each gets at least two batches.
describe('default number of generation pipelines', () => {
  it('is one on one or two cores, however many batches', () => {
    expect(defaultPipelineCount(1_000_000, 256, 1)).toBe(1);
    expect(defaultPipelineCount(1_000_000, 256, 2)).toBe(1);
  });

  it('is one per core on 3 or more cores when each gets at least two batches, else one', () => {
    expect(defaultPipelineCount(8 * 256, 256, 4)).toBe(4);
    expect(defaultPipelineCount(8 * 256 - 255, 256, 4)).toBe(4); // 8 batches, the last one short
    expect(defaultPipelineCount(7 * 256, 256, 4)).toBe(1);
    expect(defaultPipelineCount(6 * 256, 256, 3)).toBe(3);
  });
});
