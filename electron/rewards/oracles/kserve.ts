/**
 * External oracle (2): an HTTP endpoint speaking the KServe v2 / Triton ("Open Inference Protocol") REST API.
 *
 * Request, per batch of N candidates — `POST {url}/v2/models/{model}[/versions/{version}]/infer`:
 *   { "id": "cfstudio-7",
 *     "inputs": [ { "name": "cif", "shape": [N], "datatype": "BYTES", "data": ["data_x\n…", …] },
 *                 // with features: true, also (layout in ../features.ts):
 *                 { "name": "features", "shape": [N, 355], "datatype": "FP32", "data": [… N·355 numbers, row-major] } ],
 *     "outputs": [ { "name": "<output>" } ] }   // only when `output` is given
 * Expected answer: { "outputs": [ { "name": …, "shape": [N] or [N, 1], "datatype": "FP32" | "FP64" | "INT…",
 *   "data": [N numbers] } ] } — the output named `output`, else the first. null entries count as non-finite.
 * A non-2xx status, a malformed answer or a wrong count fails the whole batch (counted as errors); no answer within
 * `timeoutSeconds` counts the batch as timed out.
 */
import type { KServeOracleSpec } from '../../../shared/api/reward-spec.ts';
import { candidateFeatures, FEATURE_COUNT } from '../features.ts';
import { addMessage, emptyScores, scoreInChunks, type CandidateInput, type OracleScores, type RewardOracle } from '../types.ts';

export const DEFAULT_KSERVE_TIMEOUT_SECONDS = 60;
export const DEFAULT_KSERVE_BATCH_SIZE = 64;

interface InferOutput {
  name?: unknown;
  shape?: unknown;
  datatype?: unknown;
  data?: unknown;
}

export function inferUrl(spec: Pick<KServeOracleSpec, 'url' | 'model' | 'version'>): string {
  const base = spec.url.replace(/\/+$/, '');
  const version = spec.version ? `/versions/${encodeURIComponent(spec.version)}` : '';
  return `${base}/v2/models/${encodeURIComponent(spec.model)}${version}/infer`;
}

export class KServeOracle implements RewardOracle {
  readonly label: string;
  private readonly url: string;
  private readonly timeoutMs: number;
  private readonly batchSize: number;
  private requestCount = 0;

  constructor(private readonly spec: KServeOracleSpec) {
    this.url = inferUrl(spec);
    this.label = `KServe ${this.url}`;
    this.timeoutMs = (spec.timeoutSeconds ?? DEFAULT_KSERVE_TIMEOUT_SECONDS) * 1000;
    this.batchSize = spec.batchSize ?? DEFAULT_KSERVE_BATCH_SIZE;
  }

  score(batch: readonly CandidateInput[]): Promise<OracleScores> {
    return scoreInChunks(batch, this.batchSize, (chunk) => this.scoreBatch(chunk));
  }

  private async scoreBatch(batch: readonly CandidateInput[]): Promise<OracleScores> {
    const n = batch.length;
    const scores = emptyScores(n);
    const fail = (message: string) => {
      scores.errors = n;
      addMessage(scores, `${this.label}: ${message}`);
      return scores;
    };
    let body: string;
    try {
      const inputs: { name: string; shape: number[]; datatype: string; data: unknown[] }[] = [
        { name: 'cif', shape: [n], datatype: 'BYTES', data: batch.map((c) => c.cif) },
      ];
      if (this.spec.features) inputs.push({ name: 'features', shape: [n, FEATURE_COUNT], datatype: 'FP32', data: Array.from(candidateFeatures(batch)) });
      body = JSON.stringify({
        id: `cfstudio-${++this.requestCount}`,
        inputs,
        ...(this.spec.output ? { outputs: [{ name: this.spec.output }] } : {}),
      });
    } catch (error) {
      return fail(`cannot build the request: ${(error as Error).message}`);
    }

    let response: Response;
    let text: string;
    try {
      const signal = AbortSignal.timeout(this.timeoutMs);
      response = await fetch(this.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...this.spec.headers },
        body,
        signal,
      });
      text = await response.text();
    } catch (error) {
      const name = (error as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError') {
        scores.timeouts = n;
        addMessage(scores, `${this.label}: no answer within ${this.timeoutMs / 1000} s`);
        return scores;
      }
      const cause = (error as { cause?: { code?: string; message?: string } }).cause;
      return fail(`request failed: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
    }
    if (!response.ok) {
      let detail = text.slice(0, 200);
      try {
        const parsed = JSON.parse(text) as { error?: unknown };
        if (typeof parsed.error === 'string') detail = parsed.error;
      } catch {
        // not JSON: keep the raw text
      }
      return fail(`HTTP ${response.status}${detail ? `: ${detail}` : ''}`);
    }
    let outputs: InferOutput[];
    try {
      const parsed = JSON.parse(text) as { outputs?: unknown };
      if (!Array.isArray(parsed.outputs) || parsed.outputs.length === 0) return fail('answer has no "outputs"');
      outputs = parsed.outputs as InferOutput[];
    } catch {
      return fail(`answer is not JSON: ${text.slice(0, 120)}`);
    }
    const output = this.spec.output ? outputs.find((o) => o.name === this.spec.output) : outputs[0];
    if (!output) return fail(`answer has no output named '${this.spec.output}' (has: ${outputs.map((o) => String(o.name)).join(', ')})`);
    const data = output.data;
    if (!Array.isArray(data)) return fail(`output '${String(output.name)}' has no "data" array`);
    const shape = output.shape;
    if (Array.isArray(shape)) {
      const ok = (shape.length === 1 && shape[0] === n) || (shape.length === 2 && shape[0] === n && shape[1] === 1);
      if (!ok) return fail(`output '${String(output.name)}' has shape ${JSON.stringify(shape)}, expected [${n}] or [${n}, 1]`);
    }
    if (data.length !== n) return fail(`output '${String(output.name)}' holds ${data.length} values for ${n} candidates`);
    data.forEach((v, i) => {
      if (typeof v === 'number' && Number.isFinite(v)) scores.values[i] = v;
      else if (v === null || typeof v === 'number' || (typeof v === 'string' && /^[-+]?(nan|inf(inity)?)$/i.test(v))) scores.nonFinite++;
      else {
        scores.errors++;
        addMessage(scores, `${this.label}: output value ${i} is not a number: ${JSON.stringify(v).slice(0, 60)}`);
      }
    });
    return scores;
  }

  async close(): Promise<void> {
    // Stateless: fetch keeps no session we own.
  }
}
