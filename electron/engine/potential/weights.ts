/**
 * Reads the weights of a matgl M3GNet potential, either straight from a matgl model folder (materialsvirtuallab/matgl
 * `pretrained_models/<name>/`: `model.json` + `state.pt`) or from a folder we ship (`model.json` card +
 * `model.safetensors`, written by `cfstudio potential import`). Both give the same `PotentialWeights`, with tensors
 * keyed by matgl's state-dict names, so the network code never needs to know where they came from.
 *
 * `state.pt` is what `torch.save(model.state_dict())` writes: a zip archive holding `<prefix>/data.pkl` (a pickle,
 * protocol 2, of an OrderedDict name → tensor; each tensor is `torch._utils._rebuild_tensor_v2(storage, offset,
 * size, stride, …)` and each storage a persistent id ('storage', torch.FloatStorage, key, device, numel)) and one raw
 * little-endian file per storage at `<prefix>/data/<key>`. We interpret only the pickle opcodes and globals such a
 * file uses and refuse anything else, so a pickle can never make us call arbitrary code.
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { unzipSync } from 'fflate';
import { parseSafetensors } from '../safetensors.ts';

export interface PotentialTensor {
  /** Row-major shape ([] for a scalar). */
  shape: number[];
  data: Float32Array;
}

export interface PotentialWeights {
  architecture: 'M3GNet';
  /** matgl's `init_args` of the M3GNet model, verbatim (element_types, cutoff, threebody_cutoff, max_n, max_l, nblocks, units, use_smooth, …). */
  config: Record<string, unknown>;
  /** Element symbols in the order of the embedding rows and of `element_refs.property_offset` (H first for MP-2021). */
  elementTypes: string[];
  /** Energies are predicted as data_std · (network output) + data_mean + Σ element references. */
  dataMean: number;
  dataStd: number;
  /** Keys are matgl's state-dict keys exactly (e.g. 'model.embedding.layer_node_embedding.weight'). */
  tensors: Map<string, PotentialTensor>;
  /** The matgl model name the weights come from (the original folder name, e.g. 'M3GNet-MP-2021.2.8-PES'). */
  source: string;
}

/** A folder or file that is not a readable M3GNet potential. The message is one line and names the file. */
export class PotentialWeightsError extends Error {
  override name = 'PotentialWeightsError';
}

/** The `format` field of the model card we ship (model.json beside model.safetensors). */
export const POTENTIAL_CARD_FORMAT = 'cfstudio-potential';

/** Loads a matgl M3GNet folder (model.json + state.pt) or a shipped potential folder (model.json card + model.safetensors). */
export function loadPotentialFolder(dir: string): PotentialWeights {
  const cardPath = join(dir, 'model.json');
  if (!existsSync(cardPath)) throw new PotentialWeightsError(`${dir}: no model.json (expected a matgl model folder or a potential folder from cfstudio potential import)`);
  const json = readJson(cardPath);
  if (json.format === POTENTIAL_CARD_FORMAT) return loadShippedFolder(dir, cardPath, json);
  const statePath = join(dir, 'state.pt');
  if (!existsSync(statePath)) throw new PotentialWeightsError(`${dir}: no state.pt beside a matgl model.json`);
  const description = readMatglModelJson(cardPath, json);
  const tensors = readTorchStateDict(statePath);
  return { architecture: 'M3GNet', ...description, tensors, source: basename(dir.replace(/[\\/]+$/, '')) };
}

// ---------------------------------------------------------------------------------------------------------------
// model.json

interface ModelDescription {
  config: Record<string, unknown>;
  elementTypes: string[];
  dataMean: number;
  dataStd: number;
}

function readJson(path: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new PotentialWeightsError(`${path}: not valid JSON (${(error as Error).message.split('\n')[0]})`);
  }
  if (!isRecord(value)) throw new PotentialWeightsError(`${path}: expected a JSON object`);
  return value;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function elementTypesOf(config: Record<string, unknown>, path: string): string[] {
  const types = config.element_types;
  if (!Array.isArray(types) || types.length === 0 || !types.every((t) => typeof t === 'string')) {
    throw new PotentialWeightsError(`${path}: element_types must be a non-empty list of element symbols`);
  }
  return types as string[];
}

/** matgl's model.json: { "@class": "Potential", kwargs: { model: { "@class": "M3GNet", init_args }, data_mean, data_std, … } }. */
function readMatglModelJson(path: string, json: Record<string, unknown>): ModelDescription {
  const kwargs = json.kwargs;
  if (json['@class'] !== 'Potential' || !isRecord(kwargs)) {
    throw new PotentialWeightsError(`${path}: not a matgl potential (@class is ${JSON.stringify(json['@class'])}, expected "Potential")`);
  }
  const model = kwargs.model;
  if (!isRecord(model) || model['@class'] !== 'M3GNet' || !isRecord(model.init_args)) {
    throw new PotentialWeightsError(`${path}: kwargs.model is not an M3GNet model (@class ${JSON.stringify(isRecord(model) ? model['@class'] : undefined)})`);
  }
  const config = model.init_args;
  return {
    config,
    elementTypes: elementTypesOf(config, path),
    dataMean: parseTorchScalar(kwargs.data_mean, path, 'kwargs.data_mean'),
    dataStd: parseTorchScalar(kwargs.data_std, path, 'kwargs.data_std'),
  };
}

/**
 * The numbers inside a tensor printed by torch, e.g. "tensor(4.58613348, device='cuda:0')" or
 * "tensor([ -3.47,\n  -0.81, 1.2e-03])". Plain numbers and number arrays are accepted too.
 */
export function parseTorchNumbers(value: unknown, path: string, field: string): number[] {
  if (typeof value === 'number') return [value];
  if (Array.isArray(value) && value.every((v) => typeof v === 'number')) return value as number[];
  const match = typeof value === 'string' ? /^\s*tensor\(\s*(\[[^\]]*\]|[^,)]+)/.exec(value) : null;
  if (match === null) throw new PotentialWeightsError(`${path}: ${field} must be a number or a printed tensor, got ${JSON.stringify(value)?.slice(0, 60)}`);
  const body = match[1]!.replace(/[[\]]/g, '').trim();
  const numbers = body === '' ? [] : body.split(/[\s,]+/).filter((s) => s !== '').map(Number);
  if (numbers.some((n) => !Number.isFinite(n))) throw new PotentialWeightsError(`${path}: ${field} holds a value that is not a finite number`);
  return numbers;
}

function parseTorchScalar(value: unknown, path: string, field: string): number {
  const numbers = parseTorchNumbers(value, path, field);
  if (numbers.length !== 1) throw new PotentialWeightsError(`${path}: ${field} must hold one number, found ${numbers.length}`);
  return numbers[0]!;
}

// ---------------------------------------------------------------------------------------------------------------
// Our shipped folder

function loadShippedFolder(dir: string, cardPath: string, card: Record<string, unknown>): PotentialWeights {
  if (card.architecture !== 'M3GNet') throw new PotentialWeightsError(`${cardPath}: architecture ${JSON.stringify(card.architecture)} is not supported (M3GNet only)`);
  if (!isRecord(card.config)) throw new PotentialWeightsError(`${cardPath}: config must be an object (matgl init_args)`);
  const config = card.config;
  const elementTypes = elementTypesOf(config, cardPath);
  if (JSON.stringify(card.elementTypes) !== JSON.stringify(elementTypes)) throw new PotentialWeightsError(`${cardPath}: elementTypes differs from config.element_types`);
  for (const field of ['dataMean', 'dataStd'] as const) {
    if (typeof card[field] !== 'number' || !Number.isFinite(card[field])) throw new PotentialWeightsError(`${cardPath}: ${field} must be a finite number`);
  }
  const source = isRecord(card.source) && typeof card.source.model === 'string' ? card.source.model : basename(dir);
  const weightsPath = join(dir, 'model.safetensors');
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(weightsPath);
  } catch {
    throw new PotentialWeightsError(`${weightsPath}: cannot read the weights file`);
  }
  let contents;
  try {
    contents = parseSafetensors(bytes, weightsPath);
  } catch (error) {
    throw new PotentialWeightsError((error as Error).message.split('\n')[0]!);
  }
  const tensors = new Map<string, PotentialTensor>();
  for (const [name, tensor] of contents.tensors) {
    if (tensor.dtype !== 'F32' || !(tensor.data instanceof Float32Array)) throw new PotentialWeightsError(`${weightsPath}: tensor '${name}' is ${tensor.dtype}, expected F32`);
    tensors.set(name, { shape: tensor.shape, data: tensor.data });
  }
  return { architecture: 'M3GNet', config, elementTypes, dataMean: card.dataMean as number, dataStd: card.dataStd as number, tensors, source };
}

// ---------------------------------------------------------------------------------------------------------------
// state.pt: zip archive

/** Reads a PyTorch `torch.save(state_dict)` zip file into name → float32 tensor, in the file's order. */
export function readTorchStateDict(path: string): Map<string, PotentialTensor> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (error) {
    throw new PotentialWeightsError(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseTorchStateDict(bytes, path);
}

export function parseTorchStateDict(bytes: Uint8Array, source: string): Map<string, PotentialTensor> {
  const checksums = zipChecksums(bytes, source);
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes);
  } catch (error) {
    throw new PotentialWeightsError(`${source}: not a readable zip archive (truncated or corrupted?): ${(error as Error).message}`);
  }
  for (const [name, data] of Object.entries(files)) {
    const expected = checksums.get(name);
    if (expected === undefined || crc32(data) !== expected) throw new PotentialWeightsError(`${source}: zip entry '${name}' fails its CRC-32 check (corrupted file)`);
  }
  const picklePath = Object.keys(files).find((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (picklePath === undefined) throw new PotentialWeightsError(`${source}: no <name>/data.pkl in the archive (not a torch.save file)`);
  const prefix = picklePath.slice(0, -'data.pkl'.length);
  const byteOrder = files[`${prefix}byteorder`];
  if (byteOrder !== undefined && new TextDecoder().decode(byteOrder).trim() !== 'little') {
    throw new PotentialWeightsError(`${source}: storages are ${new TextDecoder().decode(byteOrder).trim()}-endian; only little-endian is supported`);
  }
  const root = unpickle(files[picklePath]!, `${source}: ${picklePath}`);
  if (!(root instanceof PickleDict)) throw new PotentialWeightsError(`${source}: ${picklePath} does not hold a state dict (a dict of tensors)`);

  const tensors = new Map<string, PotentialTensor>();
  for (const [name, value] of root.entries) {
    if (typeof name !== 'string' || !(value instanceof TorchTensor)) throw new PotentialWeightsError(`${source}: state-dict entry ${JSON.stringify(name)} is not a named tensor`);
    tensors.set(name, materialise(value, name, files, prefix, source));
  }
  return tensors;
}

function materialise(tensor: TorchTensor, name: string, files: Record<string, Uint8Array>, prefix: string, source: string): PotentialTensor {
  const fail = (message: string): never => {
    throw new PotentialWeightsError(`${source}: tensor '${name}': ${message}`);
  };
  const { storage, offset, shape, stride } = tensor;
  if (shape.length !== stride.length) fail(`shape ${JSON.stringify(shape)} and stride ${JSON.stringify(stride)} differ in rank`);
  let expectedStride = 1;
  const count = shape.reduce((a, b) => a * b, 1);
  for (let axis = shape.length - 1; axis >= 0; axis--) {
    // A stride on an axis of length 1 never moves, so torch leaves it arbitrary; only the others must be row-major.
    if (shape[axis]! > 1 && stride[axis] !== expectedStride) fail(`stride ${JSON.stringify(stride)} is not contiguous for shape ${JSON.stringify(shape)} (only contiguous tensors are supported)`);
    expectedStride *= shape[axis]!;
  }
  const raw = files[`${prefix}data/${storage.key}`];
  if (raw === undefined) fail(`storage file ${prefix}data/${storage.key} is missing from the archive`);
  if (raw!.length !== storage.elementCount * 4) fail(`storage ${storage.key} holds ${raw!.length} bytes, expected ${storage.elementCount} float32 values`);
  if (offset + count > storage.elementCount) fail(`offset ${offset} + ${count} values run past the end of storage ${storage.key} (${storage.elementCount} values)`);
  // Copy into a fresh buffer: zip entries are not 4-byte aligned, and the tensor must not keep the archive alive.
  const data = new Float32Array(count);
  new Uint8Array(data.buffer).set(raw!.subarray(offset * 4, (offset + count) * 4));
  return { shape: [...shape], data };
}

/** CRC-32 of every entry, from the zip central directory (fflate inflates but does not verify checksums). */
function zipChecksums(bytes: Uint8Array, source: string): Map<string, number> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const END_OF_DIRECTORY = 0x06054b50;
  const DIRECTORY_ENTRY = 0x02014b50;
  let end = -1;
  // The end-of-central-directory record is 22 bytes plus a comment of at most 65,535 bytes.
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (view.getUint32(at, true) === END_OF_DIRECTORY) {
      end = at;
      break;
    }
  }
  if (end < 0) throw new PotentialWeightsError(`${source}: not a zip archive, or truncated (no end-of-central-directory record)`);
  const entryCount = view.getUint16(end + 10, true);
  let at = view.getUint32(end + 16, true);
  if (entryCount === 0xffff || at === 0xffffffff) throw new PotentialWeightsError(`${source}: zip64 archives are not supported`);
  const checksums = new Map<string, number>();
  const decoder = new TextDecoder();
  for (let i = 0; i < entryCount; i++) {
    if (at + 46 > end || view.getUint32(at, true) !== DIRECTORY_ENTRY) throw new PotentialWeightsError(`${source}: zip central directory is damaged (entry ${i})`);
    const nameLength = view.getUint16(at + 28, true);
    const extraLength = view.getUint16(at + 30, true);
    const commentLength = view.getUint16(at + 32, true);
    checksums.set(decoder.decode(bytes.subarray(at + 46, at + 46 + nameLength)), view.getUint32(at + 16, true));
    at += 46 + nameLength + extraLength + commentLength;
  }
  return checksums;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (let i = 0; i < data.length; i++) crc = CRC_TABLE[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

// ---------------------------------------------------------------------------------------------------------------
// The pickle subset a torch state dict uses

class PickleTuple {
  constructor(readonly items: PickleValue[]) {}
}
class PickleDict {
  readonly entries = new Map<string | number, PickleValue>();
}
class PickleGlobal {
  constructor(readonly module: string, readonly name: string) {}
}
class TorchStorage {
  constructor(readonly key: string, readonly elementCount: number) {}
}
class TorchTensor {
  constructor(readonly storage: TorchStorage, readonly offset: number, readonly shape: number[], readonly stride: number[]) {}
}
class Mark {}
type PickleValue = null | boolean | number | string | PickleValue[] | PickleTuple | PickleDict | PickleGlobal | TorchStorage | TorchTensor;

/** The only callables and classes a state dict needs; any other GLOBAL is refused. */
const ALLOWED_GLOBALS = new Set(['collections OrderedDict', 'torch._utils _rebuild_tensor_v2', 'torch FloatStorage']);

function unpickle(bytes: Uint8Array, source: string): PickleValue {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const decoder = new TextDecoder('utf-8', { fatal: true });
  const stack: (PickleValue | Mark)[] = [];
  const memo = new Map<number, PickleValue>();
  let at = 0;
  let opcodeAt = 0;
  const fail = (message: string): never => {
    throw new PotentialWeightsError(`${source}: byte ${opcodeAt}: ${message}`);
  };
  const need = (n: number): void => {
    if (at + n > bytes.length) fail('unexpected end of the pickle (truncated file?)');
  };
  const u8 = (): number => (need(1), bytes[at++]!);
  const u16 = (): number => (need(2), (at += 2), view.getUint16(at - 2, true));
  const u32 = (): number => (need(4), (at += 4), view.getUint32(at - 4, true));
  const i32 = (): number => (need(4), (at += 4), view.getInt32(at - 4, true));
  const line = (): string => {
    const stop = bytes.indexOf(0x0a, at);
    if (stop < 0) fail('unterminated text argument');
    const text = new TextDecoder().decode(bytes.subarray(at, stop));
    at = stop + 1;
    return text;
  };
  const pop = (): PickleValue => {
    const value = stack.pop();
    if (value === undefined || value instanceof Mark) fail('stack underflow');
    return value as PickleValue;
  };
  const top = (): PickleValue => {
    const value = stack.at(-1);
    if (value === undefined || value instanceof Mark) fail('stack underflow');
    return value as PickleValue;
  };
  const popToMark = (): PickleValue[] => {
    let markAt = stack.length - 1;
    while (markAt >= 0 && !(stack[markAt] instanceof Mark)) markAt--;
    if (markAt < 0) fail('no MARK on the stack');
    const items = stack.splice(markAt) as PickleValue[];
    return items.slice(1);
  };
  const setItem = (dict: PickleValue, key: PickleValue, value: PickleValue): void => {
    if (!(dict instanceof PickleDict)) fail('SETITEM on something that is not a dict');
    if (typeof key !== 'string' && typeof key !== 'number') fail('dict key is neither a string nor an integer');
    (dict as PickleDict).entries.set(key as string | number, value);
  };
  const getMemo = (index: number): PickleValue => {
    if (!memo.has(index)) fail(`memo entry ${index} was never stored`);
    return memo.get(index)!;
  };

  for (;;) {
    opcodeAt = at;
    const opcode = u8();
    switch (opcode) {
      case 0x80: { // PROTO
        const version = u8();
        if (version > 2) fail(`pickle protocol ${version} is not supported (2 or lower)`);
        break;
      }
      case 0x63: { // GLOBAL 'module\nname\n'
        const module = line();
        const name = line();
        if (!ALLOWED_GLOBALS.has(`${module} ${name}`)) fail(`unsupported global ${module}.${name} (only float32 tensors in an OrderedDict are read)`);
        stack.push(new PickleGlobal(module, name));
        break;
      }
      case 0x71: memo.set(u8(), top()); break; // BINPUT
      case 0x72: memo.set(u32(), top()); break; // LONG_BINPUT
      case 0x68: stack.push(getMemo(u8())); break; // BINGET
      case 0x6a: stack.push(getMemo(u32())); break; // LONG_BINGET
      case 0x28: stack.push(new Mark()); break; // MARK
      case 0x7d: stack.push(new PickleDict()); break; // EMPTY_DICT
      case 0x29: stack.push(new PickleTuple([])); break; // EMPTY_TUPLE
      case 0x5d: stack.push([]); break; // EMPTY_LIST
      case 0x74: stack.push(new PickleTuple(popToMark())); break; // TUPLE
      case 0x85: stack.push(new PickleTuple([pop()])); break; // TUPLE1
      case 0x86: { // TUPLE2
        const b = pop();
        stack.push(new PickleTuple([pop(), b]));
        break;
      }
      case 0x87: { // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(new PickleTuple([pop(), b, c]));
        break;
      }
      case 0x4a: stack.push(i32()); break; // BININT
      case 0x4b: stack.push(u8()); break; // BININT1
      case 0x4d: stack.push(u16()); break; // BININT2
      case 0x8a: { // LONG1: little-endian two's complement of n bytes (torch uses it for large sizes)
        const n = u8();
        need(n);
        let value = 0n;
        for (let i = n - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[at + i]!);
        if (n > 0 && bytes[at + n - 1]! & 0x80) value -= 1n << BigInt(8 * n);
        at += n;
        if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) fail('integer too large');
        stack.push(Number(value));
        break;
      }
      case 0x47: { // BINFLOAT: big-endian float64
        need(8);
        stack.push(view.getFloat64(at, false));
        at += 8;
        break;
      }
      case 0x58: { // BINUNICODE
        const length = u32();
        need(length);
        try {
          stack.push(decoder.decode(bytes.subarray(at, at + length)));
        } catch {
          fail('string is not valid UTF-8');
        }
        at += length;
        break;
      }
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break; // NEWTRUE
      case 0x89: stack.push(false); break; // NEWFALSE
      case 0x73: { // SETITEM
        const value = pop();
        const key = pop();
        setItem(top(), key, value);
        break;
      }
      case 0x75: { // SETITEMS
        const items = popToMark();
        if (items.length % 2 !== 0) fail('SETITEMS with an odd number of items');
        const dict = top();
        for (let i = 0; i < items.length; i += 2) setItem(dict, items[i]!, items[i + 1]!);
        break;
      }
      case 0x61: { // APPEND
        const value = pop();
        const list = top();
        if (!Array.isArray(list)) fail('APPEND to something that is not a list');
        (list as PickleValue[]).push(value);
        break;
      }
      case 0x65: { // APPENDS
        const items = popToMark();
        const list = top();
        if (!Array.isArray(list)) fail('APPENDS to something that is not a list');
        (list as PickleValue[]).push(...items);
        break;
      }
      case 0x52: { // REDUCE
        const args = pop();
        const callable = pop();
        if (!(callable instanceof PickleGlobal) || !(args instanceof PickleTuple)) fail('REDUCE needs a global and an argument tuple');
        stack.push(callGlobal(callable as PickleGlobal, (args as PickleTuple).items, fail));
        break;
      }
      case 0x62: { // BUILD: an OrderedDict's attributes (torch stores `_metadata`, module versions, which we do not need)
        pop();
        if (!(top() instanceof PickleDict)) fail('BUILD on an object other than an OrderedDict');
        break;
      }
      case 0x51: stack.push(persistentLoad(pop(), fail)); break; // BINPERSID
      case 0x2e: { // STOP
        const result = pop();
        if (stack.length !== 0) fail('values left on the stack at STOP');
        return result;
      }
      default:
        fail(`unsupported pickle opcode 0x${opcode.toString(16).padStart(2, '0')} (only the subset torch uses for state dicts is read)`);
    }
  }
}

function callGlobal(callable: PickleGlobal, args: PickleValue[], fail: (message: string) => never): PickleValue {
  const name = `${callable.module} ${callable.name}`;
  if (name === 'collections OrderedDict') {
    if (args.length !== 0) fail('OrderedDict called with arguments');
    return new PickleDict();
  }
  if (name === 'torch._utils _rebuild_tensor_v2') {
    // (storage, storage_offset, size, stride, requires_grad, backward_hooks[, metadata])
    const [storage, offset, size, stride] = args;
    const isIntTuple = (v: PickleValue | undefined): v is PickleTuple => v instanceof PickleTuple && v.items.every((x) => Number.isInteger(x) && (x as number) >= 0);
    if (!(storage instanceof TorchStorage) || !Number.isInteger(offset) || (offset as number) < 0 || !isIntTuple(size) || !isIntTuple(stride)) {
      return fail('_rebuild_tensor_v2 called with unexpected arguments');
    }
    return new TorchTensor(storage, offset as number, size.items as number[], stride.items as number[]);
  }
  return fail(`cannot call ${callable.module}.${callable.name}`);
}

/** torch's persistent id for a storage: ('storage', storage class, key, device, element count). */
function persistentLoad(pid: PickleValue, fail: (message: string) => never): TorchStorage {
  if (!(pid instanceof PickleTuple) || pid.items.length !== 5 || pid.items[0] !== 'storage') return fail('persistent id is not a torch storage reference');
  const [, kind, key, , count] = pid.items;
  if (!(kind instanceof PickleGlobal) || kind.name !== 'FloatStorage') return fail('storage is not float32');
  if (typeof key !== 'string' || !Number.isInteger(count) || (count as number) < 0) return fail('malformed storage reference');
  return new TorchStorage(key, count as number);
}
