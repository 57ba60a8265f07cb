import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { type Command, PROVIDERS_OPTION, UserError, intOption, numberOption, requiredString, stringOption } from '../command.ts';
import { ProgressBar } from '../progress.ts';
import { checkOutputDirectory } from '../output-paths.ts';
import { withStopSignal } from '../stop-signal.ts';
import { DEFAULT_FINETUNE, type FinetuneConfig, runFinetuning, validateFinetuneConfig } from '../../engine/rl/finetune.ts';
import { readSpecForCli } from './reward.ts';
import { createRewardFunction, type RewardSpec } from '../../rewards/index.ts';
import { batchJudgeForSpec } from '../../rewards/guards.ts';
import { relaxedBestAnnotator, rewardUsesPotentialEHull } from '../../rewards/relaxed-best.ts';
import type { FinetuneStepMetrics } from '../../engine/rl/finetune.ts';

const percent = (x: number) => `${(100 * x).toFixed(0)}%`;

/** The judges' part of a step's line: uniqueness, strict composition, contacts, reward of the plausible ones. */
function judgesText(m: FinetuneStepMetrics): string {
  const j = m.judges;
  if (!j) return '';
  return ` unique ${percent(j.unique)} strict-comp ${percent(j.strictComposition)} contacts ${percent(j.plausibleContacts)} reward(plausible) ${Number.isFinite(j.meanRewardPlausible) ? j.meanRewardPlausible.toFixed(3) : '-'}`;
}

/** The reward spec a run was started with (its run.json), or undefined when there is none to read. */
function readRunReward(outDir: string): unknown {
  try {
    return (JSON.parse(readFileSync(join(outDir, 'run.json'), 'utf8')) as { reward?: unknown }).reward;
  } catch {
    return undefined;
  }
}

function spaceGroupsOption(text: string | undefined): FinetuneConfig['spaceGroups'] {
  if (text === undefined || text === 'training') return 'training-distribution';
  const groups = text.split(',').map((s) => Number(s.trim()));
  for (const g of groups) if (!Number.isInteger(g) || g < 1 || g > 230) throw new UserError(`--space-groups: '${text}' must be 'training' or a comma-separated list of numbers 1…230`);
  return groups;
}

export const finetuneCommand: Command = {
  path: ['finetune'],
  summary: 'Fine-tune a model toward a reward with PPO and a KL penalty to the pretrained model (CrystalFormer-RL)',
  options: {
    providers: PROVIDERS_OPTION,
    reward: { type: 'string', description: 'reward spec JSON (see `cfstudio reward check`)', valueName: 'SPEC' },
    model: { type: 'string', description: 'pretrained model: a name in models/ or a model folder (default: default)', valueName: 'NAME|DIR' },
    out: { type: 'string', description: 'run directory (metrics.jsonl, checkpoints/, best/, model/)', valueName: 'RUN_DIR' },
    resume: { type: 'boolean', description: 'continue the run in --out from its last checkpoint' },
    steps: { type: 'string', description: `PPO steps (default ${DEFAULT_FINETUNE.steps}); with --resume, the run's new total`, valueName: 'N' },
    'batch-size': { type: 'string', description: `samples per step (default ${DEFAULT_FINETUNE.batchSize})`, valueName: 'N' },
    'ppo-epochs': { type: 'string', description: `gradient steps per batch (default ${DEFAULT_FINETUNE.ppoEpochs})`, valueName: 'N' },
    'mini-batches': { type: 'string', description: `gradient steps per PPO epoch on length-sorted parts of the batch (default ${DEFAULT_FINETUNE.miniBatches} = full batch)`, valueName: 'N' },
    lr: { type: 'string', description: `learning rate (default ${DEFAULT_FINETUNE.learningRate})`, valueName: 'X' },
    clip: { type: 'string', description: `PPO ratio clip ε (default ${DEFAULT_FINETUNE.clip})`, valueName: 'X' },
    beta: { type: 'string', description: `KL penalty weight β (default ${DEFAULT_FINETUNE.beta})`, valueName: 'X' },
    advantage: { type: 'string', description: "'baseline' (reward − running mean, default) or 'group' (standardised within groups sharing a space group)", valueName: 'KIND' },
    'group-size': { type: 'string', description: `samples per space group with --advantage group (default ${DEFAULT_FINETUNE.groupSize})`, valueName: 'N' },
    'space-groups': { type: 'string', description: "'training' (the model's training distribution, default) or a list like 225,221", valueName: 'LIST' },
    seed: { type: 'string', description: `seed (default ${DEFAULT_FINETUNE.seed})`, valueName: 'N' },
    'checkpoint-every': { type: 'string', description: `checkpoint every N steps (default ${DEFAULT_FINETUNE.checkpointEverySteps})`, valueName: 'N' },
    'max-minutes': { type: 'string', description: 'stop with a checkpoint after this many minutes (resume later)', valueName: 'M' },
    'relax-best': { type: 'boolean', description: 'when the run ends, relax its best candidates with the potential (space group kept) and add their relaxed E_hull to best/best.jsonl (default with a potential_ehull reward)' },
    'no-relax-best': { type: 'boolean', description: 'do not relax the best candidates at the end' },
    json: { type: 'boolean', description: 'print the result as JSON' },
  },
  async run(values, _positionals, ctx) {
    const outDir = requiredString(values, 'out');
    await checkOutputDirectory(outDir, ['metrics.jsonl', 'run.json']);
    const resume = values.resume === true;
    let reward: RewardSpec = { version: 1, reward: { kind: 'predictor', predictor: 'none' } } as RewardSpec; // replaced by the run's own on resume
    let rewardBaseDir: string | undefined;
    if (!resume || stringOption(values, 'reward')) {
      const specPath = requiredString(values, 'reward');
      reward = readSpecForCli(specPath);
      rewardBaseDir = dirname(resolve(specPath));
    }
    const advantage = stringOption(values, 'advantage') ?? DEFAULT_FINETUNE.advantage;
    if (advantage !== 'baseline' && advantage !== 'group') throw new UserError(`--advantage must be 'baseline' or 'group' (got '${advantage}')`);
    const config: FinetuneConfig = {
      ...DEFAULT_FINETUNE,
      steps: intOption(values, 'steps', DEFAULT_FINETUNE.steps, 1),
      batchSize: intOption(values, 'batch-size', DEFAULT_FINETUNE.batchSize, 1),
      ppoEpochs: intOption(values, 'ppo-epochs', DEFAULT_FINETUNE.ppoEpochs, 1),
      miniBatches: intOption(values, 'mini-batches', DEFAULT_FINETUNE.miniBatches, 1),
      learningRate: numberOption(values, 'lr', DEFAULT_FINETUNE.learningRate, 0, 1),
      clip: numberOption(values, 'clip', DEFAULT_FINETUNE.clip, 0, 1),
      beta: numberOption(values, 'beta', DEFAULT_FINETUNE.beta, 0),
      advantage,
      groupSize: intOption(values, 'group-size', DEFAULT_FINETUNE.groupSize, 1),
      spaceGroups: spaceGroupsOption(stringOption(values, 'space-groups')),
      seed: intOption(values, 'seed', DEFAULT_FINETUNE.seed),
      checkpointEverySteps: intOption(values, 'checkpoint-every', DEFAULT_FINETUNE.checkpointEverySteps, 1),
    };
    try {
      validateFinetuneConfig(config);
    } catch (error) {
      throw new UserError((error as Error).message);
    }
    if (values['relax-best'] && values['no-relax-best']) throw new UserError('give one of --relax-best and --no-relax-best');
    let bar: ProgressBar | undefined;
    const recent: FinetuneStepMetrics[] = [];
    // The judges follow the spec the run scores with (on resume: its run.json); the rule is printed at the end.
    let judgeRule = '';
    const createJudge = (spec: RewardSpec) => {
      const judge = batchJudgeForSpec(spec);
      judgeRule = judge.rule;
      return judge;
    };
    await withStopSignal(ctx, 'checkpointing', async (signal) => {
      const maxMinutes = stringOption(values, 'max-minutes');
      let result;
      try {
        result = await runFinetuning({
          model: stringOption(values, 'model') ?? 'default',
          reward,
          createJudge,
          createReward: (spec) => createRewardFunction(spec, { log: ctx.log, ...(rewardBaseDir ? { baseDir: rewardBaseDir } : {}) }),
          outDir,
          config,
          resume,
          // On resume the run keeps its own reward (run.json); the flag decides, else whether the new spec uses the potential.
          ...(values['relax-best'] || (!values['no-relax-best'] && rewardUsesPotentialEHull(resume ? readRunReward(outDir) : reward))
            ? { annotateBest: relaxedBestAnnotator({ log: ctx.log }) }
            : {}),
          ...(resume && stringOption(values, 'steps') !== undefined ? { resumeSteps: config.steps } : {}),
          ...(maxMinutes !== undefined ? { maxMinutes: numberOption(values, 'max-minutes', 0, 0) } : {}),
          signal,
          log: (line) => {
            if (bar) process.stderr.write('\n');
            ctx.log(line);
          },
          onStep: (m) => {
            recent.push(m);
            if (recent.length > 10) recent.shift();
            bar ??= new ProgressBar({ total: m.steps, label: 'finetune', unit: 'step', initial: m.step });
            bar.update(m.step, `reward ${m.reward.mean.toFixed(3)} (valid ${Number.isFinite(m.reward.meanValid) ? m.reward.meanValid.toFixed(3) : '-'}) KL ${m.klLogRatio.toFixed(2)} valid ${(100 * m.validity.valid).toFixed(0)}%${judgesText(m)}`);
          },
        });
      } catch (error) {
        const message = (error as Error).message;
        // Set-up problems the user can fix (an existing run, a missing predictor, a bad model path) are exit 1.
        if (/already holds a run|nothing to resume|no predictor named|no model '|reward spec|finetune:/.test(message)) throw new UserError(message.split('\n')[0]!);
        throw error;
      }
      bar?.finish();
      // The judges at the end: the mean over the last (up to) 10 steps, so one lucky batch does not decide it.
      const lastJudges = recent.filter((m) => m.judges).map((m) => m.judges!);
      const average = (pick: (j: NonNullable<FinetuneStepMetrics['judges']>) => number) => lastJudges.reduce((sum, j) => sum + pick(j), 0) / lastJudges.length;
      const judges = lastJudges.length
        ? {
            steps: lastJudges.length,
            reward: recent.reduce((sum, m) => sum + m.reward.mean, 0) / recent.length,
            unique: average((j) => j.unique),
            strictComposition: average((j) => j.strictComposition),
            plausibleContacts: average((j) => j.plausibleContacts),
            duplicates: average((j) => j.duplicates),
            rule: judgeRule,
          }
        : undefined;
      if (values.json) {
        ctx.out(JSON.stringify({ ...result, ...(judges ? { judges } : {}), best: result.best.map(({ cif: _cif, ...rest }) => rest) }, null, 2) + '\n');
        return;
      }
      const flag = (c: (typeof result.best)[number]) => (c.strictComposition === undefined ? '' : ` [strict composition ${c.strictComposition ? 'yes' : 'NO'}, contacts ${c.plausibleContacts ? 'ok' : 'TOO CLOSE'}]`);
      const relaxed = (c: (typeof result.best)[number]) => (c.relaxedEHull === undefined ? '' : ` relaxed E_hull ${c.relaxedEHull === null ? 'failed' : c.relaxedEHull.toFixed(3)}`);
      const top = result.best.slice(0, 5).map((c, i) => `  ${i + 1}. ${c.formula} (space group ${c.spaceGroup}) reward ${c.reward.toFixed(3)} ${JSON.stringify(c.terms)}${relaxed(c)}${flag(c)}`);
      const judged = judges
        ? `last ${judges.steps} steps: reward ${judges.reward.toFixed(3)}, unique ${percent(judges.unique)}, strict composition ${percent(judges.strictComposition)}, contacts ${percent(judges.plausibleContacts)}, duplicates penalised ${percent(judges.duplicates)}\n  (${judges.rule})\n`
        : '';
      ctx.out(`${result.status}: step ${result.step}, ${(result.elapsedSeconds / 60).toFixed(1)} min in total; policy in ${result.modelDir}, best candidates in ${outDir}/best\n${judged}${top.join('\n')}\n`);
    });
  },
};
