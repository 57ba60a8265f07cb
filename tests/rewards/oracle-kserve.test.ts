/**
 * KServe v2 oracle against a small v2 inference server written here (node:http on 127.0.0.1, random port):
 * `POST /v2/models/{name}[/versions/{v}]/infer` with JSON tensors. Its models compute their outputs from what
 * the request carries, so the test checks both the request layout we send and how answers are read.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { atomicNumber } from '../../shared/crystal/elements.ts';
import { initSymmetry } from '../../shared/symmetry/moyo.ts';
import { evaluateReward } from '../../electron/rewards/evaluate.ts';
import { FEATURE_COUNT } from '../../electron/rewards/features.ts';
import { KServeOracle, inferUrl } from '../../electron/rewards/oracles/kserve.ts';
import { parseRewardSpec, type KServeOracleSpec } from '../../shared/api/reward-spec.ts';
import type { CandidateInput } from '../../electron/rewards/types.ts';
import { cscl, mgo, nacl, rutile } from './candidates.ts';

interface Tensor {
  name: string;
  shape: number[];
  datatype: string;
  data: unknown[];
}
interface InferRequest {
  id?: string;
  inputs: Tensor[];
  outputs?: { name: string }[];
}

const requests: { url: string; body: InferRequest }[] = [];
let server: Server;
let base: string;

function reply(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

/** The server's models: each computes one value per candidate from the request. */
function infer(model: string, request: InferRequest, res: ServerResponse): void {
  const cif = request.inputs.find((t) => t.name === 'cif');
  if (!cif || cif.datatype !== 'BYTES' || cif.shape.length !== 1 || cif.shape[0] !== cif.data.length) {
    return reply(res, 400, { error: 'expected a BYTES tensor "cif" of shape [N]' });
  }
  const n = cif.shape[0]!;
  const cifs = cif.data as string[];
  switch (model) {
    case 'cif-atoms': {
      // Number of atom-site rows in each CIF ("Cs Cs1 1 0.0 0.0 0.0 1": element, label, …).
      const counts = cifs.map((text) => text.split('\n').filter((line) => /^[A-Z][a-z]?\s+[A-Z][a-z]?\d+\s/.test(line)).length);
      return reply(res, 200, { model_name: model, outputs: [{ name: 'atoms', shape: [n, 1], datatype: 'FP64', data: counts }] });
    }
    case 'features': {
      const features = request.inputs.find((t) => t.name === 'features');
      if (!features || features.datatype !== 'FP32' || features.shape[0] !== n || features.shape[1] !== FEATURE_COUNT) {
        return reply(res, 400, { error: `expected FP32 features [${n}, ${FEATURE_COUNT}]` });
      }
      const data = features.data as number[];
      // Oxygen fraction + volume per atom, read at the documented offsets.
      const out = Array.from({ length: n }, (_, i) => data[i * FEATURE_COUNT + atomicNumber('O') - 1]! + data[i * FEATURE_COUNT + 124]!);
      return reply(res, 200, { outputs: [{ name: 'y', shape: [n], datatype: 'FP32', data: out }] });
    }
    case 'multi':
      return reply(res, 200, {
        outputs: [
          { name: 'aux', shape: [n], datatype: 'FP32', data: cifs.map(() => -1) },
          { name: 'score', shape: [n], datatype: 'FP32', data: cifs.map((_, i) => i + 0.5) },
        ],
      });
    case 'nan':
      return reply(res, 200, { outputs: [{ name: 'y', shape: [n], datatype: 'FP32', data: cifs.map((_, i) => (i % 2 ? null : i === 2 ? 'NaN' : 1)) }] });
    case 'short':
      return reply(res, 200, { outputs: [{ name: 'y', shape: [n - 1], datatype: 'FP32', data: cifs.slice(1).map(() => 1) }] });
    case 'broken':
      return reply(res, 500, { error: 'model failed to load' });
    case 'slow':
      setTimeout(() => reply(res, 200, { outputs: [{ name: 'y', shape: [n], datatype: 'FP32', data: cifs.map(() => 1) }] }), 3000);
      return;
    default:
      return reply(res, 404, { error: `model '${model}' not found` });
  }
}

beforeAll(async () => {
  await initSymmetry();
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const match = /^\/v2\/models\/([^/]+)(?:\/versions\/[^/]+)?\/infer$/.exec(req.url ?? '');
      if (req.method !== 'POST' || !match) return reply(res, 404, { error: 'not found' });
      let body: InferRequest;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as InferRequest;
      } catch {
        return reply(res, 400, { error: 'bad JSON' });
      }
      requests.push({ url: req.url!, body });
      infer(decodeURIComponent(match[1]!), body, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const oracle = (model: string, extra: Partial<KServeOracleSpec> = {}) => new KServeOracle({ type: 'kserve', url: base, model, timeoutSeconds: 10, ...extra });
const batch = (): CandidateInput[] => [nacl(), cscl(), rutile(), mgo()];

describe('KServe v2 oracle', () => {
  it('sends the CIFs as one BYTES tensor and reads an [N, 1] FP64 output', async () => {
    requests.length = 0;
    const candidates = batch();
    const scores = await oracle('cif-atoms', { version: '3' }).score(candidates);
    expect(Array.from(scores.values)).toEqual(candidates.map((c) => c.structure.numSites));
    expect(scores).toMatchObject({ errors: 0, timeouts: 0, nonFinite: 0 });
    expect(requests).toHaveLength(1);
    expect(requests[0]!.url).toBe('/v2/models/cif-atoms/versions/3/infer');
    expect(requests[0]!.body.inputs).toEqual([{ name: 'cif', shape: [4], datatype: 'BYTES', data: candidates.map((c) => c.cif) }]);
  });

  it('sends the documented FP32 feature tensor when asked, in bounded batches', async () => {
    requests.length = 0;
    const candidates = batch();
    const scores = await oracle('features', { features: true, batchSize: 3 }).score(candidates);
    const expected = candidates.map((c) => {
      const oxygen = c.structure.species.filter((s) => s === 'O').length / c.structure.numSites;
      return oxygen + c.structure.volume / c.structure.numSites;
    });
    scores.values.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 4)); // float32 on the wire
    expect(requests.map((r) => r.body.inputs[0]!.shape)).toEqual([[3], [1]]);
  });

  it('picks a named output', async () => {
    const scores = await oracle('multi', { output: 'score' }).score(batch().slice(0, 2));
    expect(Array.from(scores.values)).toEqual([0.5, 1.5]);
    expect(requests.at(-1)!.body.outputs).toEqual([{ name: 'score' }]);
    const missing = await oracle('multi', { output: 'nope' }).score(batch().slice(0, 2));
    expect(missing.errors).toBe(2);
    expect(missing.messages[0]).toMatch(/no output named 'nope' \(has: aux, score\)/);
  });

  it('counts null and NaN outputs as non-finite', async () => {
    const scores = await oracle('nan').score(batch());
    expect(scores.nonFinite).toBe(3);
    expect(scores.values[0]).toBe(1);
  });

  it('fails the batch on HTTP errors, wrong counts, refused connections and timeouts — without throwing', async () => {
    const broken = await oracle('broken').score(batch());
    expect(broken.errors).toBe(4);
    expect(broken.messages[0]).toBe(`KServe ${base}/v2/models/broken/infer: HTTP 500: model failed to load`);

    const unknown = await oracle('missing-model').score(batch());
    expect(unknown.messages[0]).toMatch(/HTTP 404: model 'missing-model' not found/);

    const short = await oracle('short').score(batch());
    expect(short.errors).toBe(4);
    expect(short.messages[0]).toMatch(/has shape \[3\], expected \[4\] or \[4, 1\]/);

    // A port nobody listens on: bind one, note it, close it.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const refused = await new KServeOracle({ type: 'kserve', url: `http://127.0.0.1:${port}`, model: 'm' }).score(batch());
    expect(refused.errors).toBe(4);
    expect(refused.messages[0]).toMatch(/request failed: ECONNREFUSED/);

    const slow = await oracle('slow', { timeoutSeconds: 0.3 }).score(batch());
    expect(slow.timeouts).toBe(4);
    expect(slow.messages[0]).toMatch(/no answer within 0\.3 s/);
  });

  it('builds the v2 infer URL', () => {
    expect(inferUrl({ url: 'http://h:8000/', model: 'my model' })).toBe('http://h:8000/v2/models/my%20model/infer');
    expect(inferUrl({ url: 'https://h/prefix', model: 'm', version: '2' })).toBe('https://h/prefix/v2/models/m/versions/2/infer');
  });

  it('plugs into a reward spec as an oracle term', async () => {
    const spec = parseRewardSpec({
      version: 1,
      reward: { kind: 'product', factors: [{ kind: 'oracle', name: 'atoms', oracle: { type: 'kserve', url: base, model: 'cif-atoms' } }, { kind: 'oracle', name: 'flaky', oracle: { type: 'kserve', url: base, model: 'nan' } }] },
      penalty: 0,
    });
    const candidates = batch();
    const result = await evaluateReward(spec, candidates);
    // 'nan' answers 1 for index 0 only.
    expect(Array.from(result.reward)).toEqual([candidates[0]!.structure.numSites, 0, 0, 0]);
    expect(result.failures.terms).toEqual({ flaky: { nonFinite: 3, errors: 0, timeouts: 0 } });
  });
});
