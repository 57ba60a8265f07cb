/**
 * External oracle (3): a user ONNX model run in-process by onnxruntime (the engine's createSession).
 *
 * Input layout: the model's first input receives float32 [N, 355] — the candidate features documented in
 * ../features.ts (element fractions over 118 elements, a b c α β γ, volume per atom, space-group one-hot). The
 * batch dimension should be symbolic; a model with a fixed batch of 1 is run one candidate at a time. Output: the
 * output named `output`, else the first, with N values ([N] or [N, 1]) of any float or integer type.
 */
import { resolve } from 'node:path';
import { createSession, float32Tensor, type EngineSession } from '../../engine/runtime.ts';
import { candidateFeatures, FEATURE_COUNT } from '../features.ts';
import type { OnnxOracleSpec } from '../../../shared/api/reward-spec.ts';
import { addMessage, emptyScores, scoreInChunks, type CandidateInput, type OracleScores, type RewardOracle } from '../types.ts';

export const DEFAULT_ONNX_BATCH_SIZE = 256;

export class OnnxOracle implements RewardOracle {
  readonly label: string;
  private readonly batchSize: number;

  private constructor(
    private readonly session: EngineSession,
    private readonly outputName: string,
    private readonly inputName: string,
    batchSize: number,
    path: string,
  ) {
    this.label = `ONNX model ${path}`;
    this.batchSize = batchSize;
  }

  /** Open the model; a missing file, an unreadable model or a wrong output name is an error here, at set-up. */
  static async open(spec: OnnxOracleSpec, baseDir: string = process.cwd(), log?: (line: string) => void): Promise<OnnxOracle> {
    const path = resolve(baseDir, spec.path);
    const session = await createSession(path, { cache: false, intraOpNumThreads: 1, ...(log ? { log } : {}) });
    const inputName = session.inputNames[0];
    if (inputName === undefined) throw new Error(`ONNX oracle ${path}: the model has no inputs`);
    if (session.inputNames.length > 1) throw new Error(`ONNX oracle ${path}: the model must take one input (float32 [N, ${FEATURE_COUNT}]), it takes ${session.inputNames.join(', ')}`);
    // Check the declared input against the documented layout now rather than failing every batch later.
    const metadata = session.session.inputMetadata[0];
    let fixedBatch: number | undefined;
    if (metadata?.isTensor) {
      if (metadata.type !== 'float32') throw new Error(`ONNX oracle ${path}: input '${inputName}' is ${metadata.type}, expected float32 [N, ${FEATURE_COUNT}]`);
      const shape = metadata.shape;
      if (shape.length !== 0) {
        if (shape.length !== 2 || (typeof shape[1] === 'number' && shape[1] !== FEATURE_COUNT)) {
          throw new Error(`ONNX oracle ${path}: input '${inputName}' has shape [${shape.join(', ')}], expected [N, ${FEATURE_COUNT}]`);
        }
        if (typeof shape[0] === 'number' && shape[0] > 0) fixedBatch = shape[0];
      }
    }
    const outputName = spec.output ?? session.outputNames[0];
    if (outputName === undefined || !session.outputNames.includes(outputName)) {
      throw new Error(`ONNX oracle ${path}: no output '${spec.output}' (outputs: ${session.outputNames.join(', ')})`);
    }
    if (fixedBatch !== undefined && fixedBatch !== 1) {
      throw new Error(`ONNX oracle ${path}: input '${inputName}' has a fixed batch of ${fixedBatch}; use a symbolic batch dimension or 1`);
    }
    return new OnnxOracle(session, outputName, inputName, fixedBatch ?? spec.batchSize ?? DEFAULT_ONNX_BATCH_SIZE, path);
  }

  score(batch: readonly CandidateInput[]): Promise<OracleScores> {
    return scoreInChunks(batch, this.batchSize, (chunk) => this.scoreBatch(chunk));
  }

  private async scoreBatch(batch: readonly CandidateInput[]): Promise<OracleScores> {
    const n = batch.length;
    const scores = emptyScores(n);
    try {
      const features = candidateFeatures(batch);
      const outputs = await this.session.run({ [this.inputName]: float32Tensor(features, [n, FEATURE_COUNT]) }, [this.outputName]);
      const tensor = outputs[this.outputName]!;
      const dims = tensor.dims;
      const shapeOk = (dims.length === 1 && dims[0] === n) || (dims.length === 2 && dims[0] === n && dims[1] === 1);
      if (!shapeOk) throw new Error(`output '${this.outputName}' has shape [${dims.join(', ')}], expected [${n}] or [${n}, 1]`);
      const data = tensor.data;
      if (typeof data[0] === 'string' || typeof data[0] === 'boolean') throw new Error(`output '${this.outputName}' is ${tensor.type}, not numeric`);
      for (let i = 0; i < n; i++) {
        const v = Number(data[i]);
        if (Number.isFinite(v)) scores.values[i] = v;
        else scores.nonFinite++;
      }
    } catch (error) {
      scores.values.fill(NaN);
      scores.nonFinite = 0;
      scores.errors = n;
      addMessage(scores, `${this.label}: ${(error as Error).message}`);
    }
    return scores;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}
