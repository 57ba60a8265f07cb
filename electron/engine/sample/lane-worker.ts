/**
 * Worker thread of one sampling lane (lanes.ts): builds the decode sessions for the model it is given (one onnxruntime
 * thread) and decodes the rows of each batch it is sent with their own random streams.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { initSymmetry } from '../../../shared/symmetry/moyo.ts';
import { type LaneReply, type LaneRequest, type LaneSetup, parameterStoreOf } from './lanes.ts';
import { CrystalSampler, type SamplerTiming } from './sampler.ts';

const port = parentPort;
if (!port) throw new Error('lane-worker.ts must run in a worker thread');
const setup = workerData as LaneSetup;
let sampler: CrystalSampler;
try {
  await initSymmetry(); // the Wyckoff tables of the masks and coordinate projection
  sampler = await CrystalSampler.create(setup.config, parameterStoreOf(setup.parameters), { threads: 1, weightsInGraph: setup.weightsInGraph });
} catch (error) {
  port.postMessage({ error: (error as Error).message });
  throw error;
}

async function decode(request: Extract<LaneRequest, { kind: 'sample' }>): Promise<LaneReply> {
  const timing: SamplerTiming | undefined = request.timing ? { networkMs: 0, networkSteps: 0 } : undefined;
  const options = { ...(request.temperature !== undefined ? { temperature: request.temperature } : {}), ...(request.topP !== undefined ? { topP: request.topP } : {}), ...(timing ? { timing } : {}) };
  const crystals = await sampler.sampleStreams(request.spaceGroups, request.streams, request.conditions, options);
  return { id: request.id, crystals, ...(timing ? { networkMs: timing.networkMs, networkSteps: timing.networkSteps } : {}) };
}

port.on('message', (request: LaneRequest) => {
  if (request.kind === 'parameters') {
    sampler.setParameters(parameterStoreOf(request.parameters));
    return;
  }
  decode(request).then(
    (reply) => port.postMessage(reply),
    (error: Error) => port.postMessage({ id: request.id, error: error.message } satisfies LaneReply),
  );
});
port.postMessage({ ready: true });
