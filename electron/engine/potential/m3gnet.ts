/**
 * M3GNet universal potential on our engine: `M3GNetPotential.load(dir)` reads a matgl M3GNet folder or a shipped
 * potential folder (./weights.ts), builds the energy graph with its gradients (./m3gnet-graph.ts) and runs it with
 * onnxruntime, many structures per run (./m3gnet-inputs.ts batches them as disjoint graphs).
 */
import type { Mat3 } from '../../../shared/crystal/linalg.ts';
import type { Structure } from '../../../shared/crystal/structure.ts';
import { createSession, ort, type EngineSession } from '../runtime.ts';
import { buildM3GNetModel, m3gnetHyper, type M3GNetHyper } from './m3gnet-graph.ts';
import { buildBatch, type M3GNetBatch, type ThreeBodyIndexing } from './m3gnet-inputs.ts';
import type { Potential, PotentialRequest, PotentialResult } from './types.ts';
import { loadPotentialFolder, type PotentialWeights } from './weights.ts';

export interface M3GNetOptions {
  /** onnxruntime intra-op threads (default 1: callers usually run one potential per core). */
  threads?: number;
  /** 'float32' (default, fast) or 'float64' (finite-difference checks, tight minimisations). */
  dtype?: 'float32' | 'float64';
  /** How triples are indexed: 'matgl' (default; what the weights were trained with) or 'exact'. See ./m3gnet-inputs.ts. */
  threeBodyIndexing?: ThreeBodyIndexing;
  /** Structures per onnxruntime run (default 64); bigger batches amortise per-run overhead. */
  batchSize?: number;
  /** Allow checkpoints with matgl's smooth basis (use_smooth), which this implementation has not verified yet. */
  experimentalSmooth?: boolean;
}

/**
 * M3GNet's three-body graph has about (atoms within the 4 Å three-body cutoff)² triples per atom, estimated from
 * the number density n as (n · 4/3 π r₃³)². Real crystals have tens to hundreds per atom (≈ 700 at diamond's 0.176
 * atoms/Å³); a generated cell with atoms piled on each other can ask for millions per atom, which ran a process out of
 * memory (32 atoms in 7 Å³: ~5·10⁷ triples). Such structures are refused by name, before any graph is built.
 */
export const MAX_TRIPLES_PER_ATOM = 20_000;
/** Estimated triples per onnxruntime run: batches are cut so that the graph's three-body tensors stay in memory. */
const MAX_TRIPLES_PER_RUN = 1_000_000;

/** The estimate above for one structure, per atom. */
export function estimatedTriplesPerAtom(structure: Structure, threeBodyCutoff: number): number {
  const perAtom = (structure.numSites / structure.volume) * (4 / 3) * Math.PI * threeBodyCutoff ** 3;
  return perAtom * perAtom;
}

/** Why a structure is too dense for M3GNet's three-body graph (see MAX_TRIPLES_PER_ATOM), or undefined. */
export function densityRefusal(structure: Structure, threeBodyCutoff: number): string | undefined {
  const perAtom = estimatedTriplesPerAtom(structure, threeBodyCutoff);
  if (perAtom <= MAX_TRIPLES_PER_ATOM) return undefined;
  const density = structure.numSites / structure.volume;
  return `atoms packed at ${density.toPrecision(3)} per Å³ (solids have about 0.01–0.2): M3GNet's three-body graph would need ~${perAtom.toExponential(1)} triples per atom (at most ${MAX_TRIPLES_PER_ATOM.toLocaleString('en-US')})`;
}

export class M3GNetPotential implements Potential {
  readonly name: string;
  readonly elements: ReadonlySet<string>;
  private readonly elementIndex: Map<string, number>;

  private constructor(
    readonly weights: PotentialWeights,
    readonly hyper: M3GNetHyper,
    private readonly energySession: EngineSession,
    private readonly gradientSession: EngineSession,
    private readonly options: Required<M3GNetOptions>,
  ) {
    this.name = weights.source;
    this.elementIndex = new Map(weights.elementTypes.map((e, i) => [e, i]));
    this.elements = new Set(weights.elementTypes);
  }

  static async load(dir: string, options: M3GNetOptions = {}): Promise<M3GNetPotential> {
    return M3GNetPotential.fromWeights(loadPotentialFolder(dir), options);
  }

  static async fromWeights(weights: PotentialWeights, options: M3GNetOptions = {}): Promise<M3GNetPotential> {
    const resolved: Required<M3GNetOptions> = {
      threads: options.threads ?? 1,
      dtype: options.dtype ?? 'float32',
      threeBodyIndexing: options.threeBodyIndexing ?? 'matgl',
      batchSize: options.batchSize ?? 64,
      experimentalSmooth: options.experimentalSmooth ?? false,
    };
    const hyper = m3gnetHyper(weights, resolved);
    const session = (gradients: boolean): Promise<EngineSession> =>
      createSession(buildM3GNetModel(weights, { dtype: resolved.dtype, gradients, experimentalSmooth: resolved.experimentalSmooth }).bytes, {
        workload: 'potential',
        intraOpNumThreads: resolved.threads,
        // onnxruntime fuses x·sigmoid(x) into QuickGelu, which has no float64 kernel: keep float64 graphs unfused.
        graphOptimizationLevel: resolved.dtype === 'float64' ? 'basic' : 'all',
        cache: false,
        log: () => {},
      });
    const [energySession, gradientSession] = [await session(false), await session(true)];
    return new M3GNetPotential(weights, hyper, energySession, gradientSession, resolved);
  }

  async compute(structures: readonly Structure[], request: PotentialRequest = {}): Promise<PotentialResult[]> {
    const wantForces = request.forces ?? true;
    const wantStress = request.stress ?? true;
    const triples = structures.map((structure, s) => {
      const refusal = this.refusal(structure);
      if (refusal) throw new Error(`structure ${s}: ${refusal}`);
      return estimatedTriplesPerAtom(structure, this.hyper.threeBodyCutoff) * structure.numSites;
    });
    const results: PotentialResult[] = [];
    let start = 0;
    while (start < structures.length) {
      // At least one structure per run; more while the batch size and the estimated triples allow.
      let end = start + 1;
      let total = triples[start]!;
      while (end < structures.length && end - start < this.options.batchSize && total + triples[end]! <= MAX_TRIPLES_PER_RUN) total += triples[end++]!;
      results.push(...(await this.computeBatch(structures.slice(start, end), wantForces, wantStress)));
      start = end;
    }
    return results;
  }

  /** Why this potential cannot evaluate `structure` (an unknown element, atoms packed too densely), or undefined. */
  refusal(structure: Structure): string | undefined {
    for (const site of structure.sites) {
      if (!this.elements.has(site.species)) return `${site.species} is not an element ${this.name} knows`;
    }
    return densityRefusal(structure, this.hyper.threeBodyCutoff);
  }

  /** The batch's graph inputs (exposed for benchmarks and tests). */
  batch(structures: readonly Structure[]): M3GNetBatch {
    return buildBatch(structures, {
      cutoff: this.hyper.cutoff,
      threeBodyCutoff: this.hyper.threeBodyCutoff,
      elementIndex: this.elementIndex,
      indexing: this.options.threeBodyIndexing,
    });
  }

  private async computeBatch(structures: readonly Structure[], wantForces: boolean, wantStress: boolean): Promise<PotentialResult[]> {
    const b = this.batch(structures);
    const float = (data: Float64Array, dims: number[]): ort.Tensor =>
      this.options.dtype === 'float64' ? new ort.Tensor('float64', data, dims) : new ort.Tensor('float32', Float32Array.from(data), dims);
    const int = (data: Int32Array): ort.Tensor => new ort.Tensor('int32', data, [data.length]);
    const feeds: Record<string, ort.Tensor> = {
      species: int(b.species),
      positions: float(b.positions, [b.numAtoms, 3]),
      atom_structure: int(b.atomStructure),
      strain: float(new Float64Array(9 * b.numStructures), [b.numStructures, 3, 3]),
      lattices: float(b.lattices, [b.numStructures, 3, 3]),
      bond_src: int(b.bondSrc),
      bond_dst: int(b.bondDst),
      bond_images: float(b.bondImages, [b.numBonds, 3]),
      bond_structure: int(b.bondStructure),
      triple_first: int(b.tripleFirst),
      triple_second: int(b.tripleSecond),
      triple_end: int(b.tripleEnd),
      triple_cut_a: int(b.tripleCutA),
      triple_cut_b: int(b.tripleCutB),
      triple_target: int(b.tripleTarget),
    };
    const gradients = wantForces || wantStress;
    const out = gradients ? await this.gradientSession.run(feeds) : await this.energySession.run(feeds);
    const energy = out.energy!.data as Float32Array | Float64Array;
    const forces = gradients ? (out.forces!.data as Float32Array | Float64Array) : undefined;
    const virial = gradients ? (out.virial!.data as Float32Array | Float64Array) : undefined;
    return structures.map((_, s) => {
      const result: PotentialResult = { energy: energy[s]! };
      if (wantForces && forces) result.forces = Float64Array.from(forces.subarray(3 * b.atomOffsets[s]!, 3 * b.atomOffsets[s + 1]!));
      if (wantStress && virial) {
        const v = b.volumes[s]!;
        const m = (i: number, j: number): number => virial[9 * s + 3 * i + j]! / v;
        result.stress = [[m(0, 0), m(0, 1), m(0, 2)], [m(1, 0), m(1, 1), m(1, 2)], [m(2, 0), m(2, 1), m(2, 2)]] as Mat3;
      }
      return result;
    });
  }

  async close(): Promise<void> {
    await this.energySession.release();
    await this.gradientSession.release();
  }
}
