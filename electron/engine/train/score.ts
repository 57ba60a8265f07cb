/**
 * Plausibility scores: the model's negative log-likelihood of given structures, total and per token type.
 * Each structure is symmetry-analysed (symprec as in training, 0.01 Å), encoded as tokens and scored in batches.
 */
import type { Structure } from '../../../shared/crystal/structure.ts';
import { DEFAULT_SYMPREC, wyckoffSequenceLabel } from '../../../shared/symmetry/analyze.ts';
import { analyzeStructureBounded } from '../../symmetry/bounded.ts';
import { MAX_SITES, encodeCrystal, wyckoffTables } from '../../../shared/tokens/index.ts';
import type { LoadedModel } from '../model/files.ts';
import { packTokens } from '../model/batch.ts';
import { LikelihoodEvaluator } from './evaluate-nll.ts';

export interface ScoreInput {
  name: string;
  structure: Structure;
}

export interface ScoreResult {
  name: string;
  spaceGroup: number | null;
  wyckoffLabel: string | null;
  /** Negative log-likelihood per crystal (nats), null when the structure could not be encoded. */
  nll: { total: number; wyckoff: number; atoms: number; coords: number; lattice: number } | null;
  /** Total NLL divided by the number of tokens scored (W, A and free coordinates of each site, plus the lattice). */
  nllPerToken: number | null;
  error?: string;
}

export async function scoreStructures(model: LoadedModel, inputs: ScoreInput[], symprec = DEFAULT_SYMPREC): Promise<ScoreResult[]> {
  const results: ScoreResult[] = inputs.map((input) => ({ name: input.name, spaceGroup: null, wyckoffLabel: null, nll: null, nllPerToken: null }));
  const encoded: { index: number; tokens: ReturnType<typeof encodeCrystal>; scoredTokens: number }[] = [];
  const tables = wyckoffTables();
  inputs.forEach((input, index) => {
    try {
      const analysis = analyzeStructureBounded(input.structure, { symprec });
      results[index]!.spaceGroup = analysis.spaceGroup;
      results[index]!.wyckoffLabel = wyckoffSequenceLabel(analysis.description);
      if (analysis.description.sites.length > MAX_SITES) throw new Error(`${analysis.description.sites.length} Wyckoff sites (the model handles at most ${MAX_SITES})`);
      const tokens = encodeCrystal(analysis.description);
      let scored = 1 + tokens.numSites * 2; // W and A per site, the stop token
      for (let s = 0; s < tokens.numSites; s++) for (let d = 0; d < 3; d++) if (tables.isFreeAxis(tokens.spaceGroup, tokens.wyckoff[s]!, d)) scored++;
      for (const free of tables.freeLatticeParameters(tokens.spaceGroup)) scored += free;
      encoded.push({ index, tokens, scoredTokens: scored });
    } catch (error) {
      results[index]!.error = (error as Error).message;
    }
  });
  if (encoded.length === 0) return results;
  const data = packTokens(encoded.map((e) => e.tokens));
  const evaluator = await LikelihoodEvaluator.create(model.config);
  try {
    const nll = await evaluator.evaluate(data, tables, new Map(model.params.names().map((name) => [name, model.params.get(name)])));
    encoded.forEach((e, i) => {
      const r = results[e.index]!;
      r.nll = { total: nll.total[i]!, wyckoff: nll.wyckoff[i]!, atoms: nll.atoms[i]!, coords: nll.coords[i]!, lattice: nll.lattice[i]! };
      r.nllPerToken = nll.total[i]! / e.scoredTokens;
    });
  } finally {
    await evaluator.release();
  }
  return results;
}
