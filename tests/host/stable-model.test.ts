// models/stable (README "RL toward stability"): the Generate panel lists it (the host's models.list reads every model
// folder), its card records the fine-tuning toward the guarded stability preset from models/pretrained, and its space-group
// distribution — what the panel samples space groups from — is the pretrained model's training distribution.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listModels } from '../../electron/host/models.ts';

const ROOT = join(import.meta.dirname, '..', '..');

describe('models/stable', () => {
  it('is listed with the pretrained training distribution, and its card names the guarded stability reward and the run', () => {
    const { models } = listModels();
    const stable = models.find((m) => m.name === 'stable');
    const pretrained = models.find((m) => m.name === 'pretrained');
    expect(stable).toBeDefined();
    expect(stable!.spaceGroupCounts).toEqual(pretrained!.spaceGroupCounts);
    expect(stable!.parameterCount).toBe(pretrained!.parameterCount);
    const card = JSON.parse(readFileSync(join(ROOT, 'models', 'stable', 'model.json'), 'utf8')) as { training: { finetune: { base: string; stepsDone: number; reward: { reward: { kind: string; transform: { kind: string; min?: number; max?: number }[] } } } } };
    const preset = JSON.parse(readFileSync(join(ROOT, 'resources', 'rewards', 'stability-guarded.json'), 'utf8')) as { reward: unknown };
    expect(card.training.finetune.base).toBe('pretrained');
    expect(card.training.finetune.reward.reward).toEqual(preset.reward);
    expect(card.training.finetune.stepsDone).toBeGreaterThan(100);
  });
});
