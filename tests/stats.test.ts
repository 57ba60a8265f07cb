import { describe, expect, it } from 'vitest';
import { mean, median, std } from '../shared/stats.ts';

describe('descriptive statistics', () => {
  it('mean, population std and median of textbook examples', () => {
    // The classic population example: values 2, 4, 4, 4, 5, 5, 7, 9 have mean 5 and standard deviation 2.
    const values = [2, 4, 4, 4, 5, 5, 7, 9];
    expect(mean(values)).toBe(5);
    expect(std(values)).toBe(2);
    expect(median(values)).toBe(4.5);
    expect(median(Float64Array.of(3, 1, 2))).toBe(2);
  });

  it('is NaN for an empty input', () => {
    expect(mean([])).toBeNaN();
    expect(std([])).toBeNaN();
    expect(median([])).toBeNaN();
  });
});
