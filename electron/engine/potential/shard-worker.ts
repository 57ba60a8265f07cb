/**
 * Worker thread of the sharded potential (sharded.ts): loads one single-threaded M3GNet potential and evaluates the
 * shards it is sent, replying with energies, forces and stresses (or the one-line error a direct call would throw).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { Lattice } from '../../../shared/crystal/lattice.ts';
import { Structure } from '../../../shared/crystal/structure.ts';
import { M3GNetPotential } from './m3gnet.ts';
import type { ShardReply, ShardRequest, ShardWorkerSetup } from './sharded.ts';

const port = parentPort;
if (!port) throw new Error('shard-worker.ts must run in a worker thread');
const setup = workerData as ShardWorkerSetup;
const send = (reply: ShardReply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);

let potential: M3GNetPotential;
try {
  potential = await M3GNetPotential.load(setup.dir, { threads: 1 });
} catch (error) {
  send({ loadError: (error as Error).message });
  process.exit(0);
}
port.on('message', (message: ShardRequest) => {
  const structures = message.structures.map((s) => new Structure(new Lattice(s.matrix), s.sites));
  potential.compute(structures, message.request).then(
    (results) => {
      const transfer = results.flatMap((r) => (r.forces ? [r.forces.buffer as ArrayBuffer] : []));
      send({ id: message.id, results }, transfer);
    },
    (error: unknown) => send({ id: message.id, error: (error as Error).message }),
  );
});
send({ ready: { name: potential.name, elements: [...potential.elements], threeBodyCutoff: potential.hyper.threeBodyCutoff } });
