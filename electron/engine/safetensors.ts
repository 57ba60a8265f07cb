/**
 * Reader and writer for the safetensors format (huggingface/safetensors, format described in its README):
 *
 *   bytes 0..8        N, an unsigned 64-bit little-endian integer: the header length in bytes
 *   bytes 8..8+N      a UTF-8 JSON object { name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__"?: {…} }
 *                     starting with '{' and possibly padded with trailing spaces
 *   bytes 8+N..       the byte buffer; data_offsets are relative to its start, little-endian, row-major, and
 *                     together they must cover the buffer exactly (no holes, no overlap)
 *
 * We pad the header with spaces to a multiple of 8 bytes, as the reference writer does, so the byte buffer starts
 * 8-byte aligned. Tensors are laid out in the order they are given, so reading a file back yields that order.
 */
import { open, readFile, writeFile } from 'node:fs/promises';

export type SafetensorsDtype =
  | 'BOOL' | 'U8' | 'I8' | 'I16' | 'U16' | 'F16' | 'BF16' | 'I32' | 'U32' | 'F32' | 'F64' | 'I64' | 'U64';

/** Bytes per element of each dtype we understand. */
export const DTYPE_BYTES: Readonly<Record<SafetensorsDtype, number>> = {
  BOOL: 1, U8: 1, I8: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8,
};

/** The typed array a tensor of each dtype is held in after reading (F16 and BF16 are widened to Float32Array). */
export type TensorArray =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array
  | BigInt64Array | BigUint64Array;

/** A tensor to write. `dtype` defaults from the array type (Uint8Array → U8; pass 'BOOL' for booleans). */
export interface TensorToWrite {
  data: TensorArray;
  shape: readonly number[];
  dtype?: SafetensorsDtype;
}

/** A tensor read from a file. `dtype` is the stored dtype; for F16/BF16 `data` holds the values widened to F32. */
export interface ReadTensor {
  dtype: SafetensorsDtype;
  shape: number[];
  data: TensorArray;
}

export interface SafetensorsContents {
  /** Tensors in file-layout order (the order they were written). */
  tensors: Map<string, ReadTensor>;
  /** The free-form `__metadata__` string map (empty when absent). */
  metadata: Record<string, string>;
}

/** Header entry for one tensor, as stored in the JSON header. */
export interface TensorHeaderEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  dataOffsets: [number, number];
}

export interface SafetensorsHeader {
  /** Entries in file-layout order. */
  entries: Map<string, TensorHeaderEntry>;
  metadata: Record<string, string>;
  /** Byte position of the start of the data buffer in the file (8 + header length). */
  dataStart: number;
}

/** A malformed or unreadable safetensors file. The message names the file and, where relevant, the tensor. */
export class SafetensorsError extends Error {
  override name = 'SafetensorsError';
  constructor(
    readonly source: string,
    message: string,
    readonly tensor?: string,
  ) {
    super(`${source}: ${tensor !== undefined ? `tensor '${tensor}': ` : ''}${message}`);
  }
}

/** The reference implementation refuses headers above 100 MB; so do we (it also protects against absurd lengths). */
export const MAX_HEADER_BYTES = 100_000_000;

const METADATA_KEY = '__metadata__';
const IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function ensureLittleEndianHost(): void {
  // Typed arrays use the host byte order; every platform Electron ships on is little-endian.
  if (!IS_LITTLE_ENDIAN) throw new Error('safetensors: big-endian hosts are not supported');
}

function isDtype(value: unknown): value is SafetensorsDtype {
  return typeof value === 'string' && Object.hasOwn(DTYPE_BYTES, value);
}

function elementCount(shape: readonly number[]): number {
  let count = 1;
  for (const dim of shape) count *= dim;
  return count;
}

/** IEEE 754 binary16 → number. */
function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // subnormal: 2^-14 · fraction/1024
  if (exponent === 0x1f) return fraction === 0 ? sign * Infinity : Number.NaN;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}

function widenHalf(bytes: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = halfToFloat(bytes[2 * i]! | (bytes[2 * i + 1]! << 8));
  return out;
}

/** bfloat16 is the top half of a float32, so widening is a 16-bit shift. */
function widenBfloat16(bytes: Uint8Array, count: number): Float32Array {
  const out = new Float32Array(count);
  const outBits = new Uint32Array(out.buffer);
  for (let i = 0; i < count; i++) outBits[i] = ((bytes[2 * i]! | (bytes[2 * i + 1]! << 8)) << 16) >>> 0;
  return out;
}

/** Copy bytes into a fresh, aligned buffer and view them as the dtype's typed array. */
function decode(dtype: SafetensorsDtype, bytes: Uint8Array, count: number): TensorArray {
  if (dtype === 'F16') return widenHalf(bytes, count);
  if (dtype === 'BF16') return widenBfloat16(bytes, count);
  // Copy explicitly: Node's Buffer.slice() returns a view, and views into a pooled buffer may be misaligned.
  const copy = new Uint8Array(bytes.length);
  copy.set(bytes);
  const buffer = copy.buffer;
  switch (dtype) {
    case 'F32': return new Float32Array(buffer);
    case 'F64': return new Float64Array(buffer);
    case 'I64': return new BigInt64Array(buffer);
    case 'U64': return new BigUint64Array(buffer);
    case 'I32': return new Int32Array(buffer);
    case 'U32': return new Uint32Array(buffer);
    case 'I16': return new Int16Array(buffer);
    case 'U16': return new Uint16Array(buffer);
    case 'I8': return new Int8Array(buffer);
    case 'U8': case 'BOOL': return new Uint8Array(buffer);
  }
}

function dtypeOfArray(data: TensorArray): SafetensorsDtype {
  if (data instanceof Float32Array) return 'F32';
  if (data instanceof Float64Array) return 'F64';
  if (data instanceof BigInt64Array) return 'I64';
  if (data instanceof BigUint64Array) return 'U64';
  if (data instanceof Int32Array) return 'I32';
  if (data instanceof Uint32Array) return 'U32';
  if (data instanceof Int16Array) return 'I16';
  if (data instanceof Uint16Array) return 'U16';
  if (data instanceof Int8Array) return 'I8';
  return 'U8';
}

/** Which typed-array dtypes can hold the stored bytes of a declared dtype without conversion. */
function arrayMatchesDtype(data: TensorArray, dtype: SafetensorsDtype): boolean {
  const natural = dtypeOfArray(data);
  if (dtype === 'BOOL') return natural === 'U8';
  // F16/BF16 are written from their raw 16-bit patterns.
  if (dtype === 'F16' || dtype === 'BF16') return natural === 'U16';
  return natural === dtype;
}

// ---------------------------------------------------------------------------------------------------------------
// Reading

/** Parse and validate the header, given the first 8 bytes' length value and the header bytes. */
function parseHeaderJson(source: string, headerBytes: Uint8Array, bufferLength: number): SafetensorsHeader {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    throw new SafetensorsError(source, 'header is not valid UTF-8');
  }
  if (!text.startsWith('{')) throw new SafetensorsError(source, `header must start with '{', found ${JSON.stringify(text.slice(0, 16))}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new SafetensorsError(source, `header is not valid JSON (${(error as Error).message})`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new SafetensorsError(source, 'header must be a JSON object');

  const metadata: Record<string, string> = {};
  const unordered: [string, TensorHeaderEntry][] = [];
  for (const [name, raw] of Object.entries(parsed as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw new SafetensorsError(source, '__metadata__ must be an object of strings');
      for (const [key, value] of Object.entries(raw as Record<string, unknown>)) {
        if (typeof value !== 'string') throw new SafetensorsError(source, `__metadata__ field '${key}' must be a string, got ${typeof value}`);
        metadata[key] = value;
      }
      continue;
    }
    if (raw === null || typeof raw !== 'object') throw new SafetensorsError(source, 'header entry must be an object', name);
    const { dtype, shape, data_offsets: offsets } = raw as Record<string, unknown>;
    if (!isDtype(dtype)) throw new SafetensorsError(source, `unsupported dtype ${JSON.stringify(dtype)} (supported: ${Object.keys(DTYPE_BYTES).join(', ')})`, name);
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      throw new SafetensorsError(source, `shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`, name);
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      throw new SafetensorsError(source, `data_offsets must be [begin, end] non-negative integers, got ${JSON.stringify(offsets)}`, name);
    }
    const [begin, end] = offsets as [number, number];
    if (end < begin) throw new SafetensorsError(source, `data_offsets end ${end} is before begin ${begin}`, name);
    if (end > bufferLength) throw new SafetensorsError(source, `data_offsets [${begin}, ${end}] run past the end of the ${bufferLength}-byte data buffer`, name);
    const expectedBytes = elementCount(shape as number[]) * DTYPE_BYTES[dtype];
    if (end - begin !== expectedBytes) {
      throw new SafetensorsError(source, `shape [${(shape as number[]).join(', ')}] of ${dtype} needs ${expectedBytes} bytes but data_offsets span ${end - begin}`, name);
    }
    unordered.push([name, { dtype, shape: [...(shape as number[])], dataOffsets: [begin, end] }]);
  }

  // The buffer must be covered exactly: sorted by begin, each tensor starts where the previous one ended.
  unordered.sort((a, b) => a[1].dataOffsets[0] - b[1].dataOffsets[0] || a[1].dataOffsets[1] - b[1].dataOffsets[1]);
  let cursor = 0;
  let previous: string | undefined;
  for (const [name, entry] of unordered) {
    const [begin, end] = entry.dataOffsets;
    if (begin < cursor) throw new SafetensorsError(source, `data_offsets [${begin}, ${end}] overlap tensor '${previous}' (which ends at ${cursor})`, name);
    if (begin > cursor) throw new SafetensorsError(source, `data_offsets begin ${begin} leaves a hole after byte ${cursor} of the data buffer`, name);
    cursor = end;
    previous = name;
  }
  if (cursor !== bufferLength) {
    throw new SafetensorsError(source, `tensors cover ${cursor} bytes but the data buffer holds ${bufferLength} (truncated or trailing bytes)`);
  }
  return { entries: new Map(unordered), metadata, dataStart: 0 };
}

function readHeaderLength(source: string, lengthBytes: Uint8Array, fileLength: number): number {
  if (fileLength < 8) throw new SafetensorsError(source, `file is ${fileLength} bytes, too short to hold the 8-byte header length`);
  const view = new DataView(lengthBytes.buffer, lengthBytes.byteOffset, 8);
  const length = view.getBigUint64(0, true);
  if (length > BigInt(MAX_HEADER_BYTES)) throw new SafetensorsError(source, `header length ${length} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  const headerLength = Number(length);
  if (headerLength < 2) throw new SafetensorsError(source, `header length ${headerLength} is too small for a JSON object`);
  if (8 + headerLength > fileLength) throw new SafetensorsError(source, `header length ${headerLength} runs past the end of the ${fileLength}-byte file`);
  return headerLength;
}

/** Parse safetensors bytes. `source` (a file name) is used in error messages. */
export function parseSafetensors(bytes: Uint8Array, source = '<buffer>'): SafetensorsContents {
  ensureLittleEndianHost();
  const headerLength = readHeaderLength(source, bytes.subarray(0, 8), bytes.length);
  const dataStart = 8 + headerLength;
  const header = parseHeaderJson(source, bytes.subarray(8, dataStart), bytes.length - dataStart);
  const tensors = new Map<string, ReadTensor>();
  for (const [name, entry] of header.entries) {
    const [begin, end] = entry.dataOffsets;
    const count = elementCount(entry.shape);
    tensors.set(name, { dtype: entry.dtype, shape: entry.shape, data: decode(entry.dtype, bytes.subarray(dataStart + begin, dataStart + end), count) });
  }
  return { tensors, metadata: header.metadata };
}

/** Read and validate a safetensors file. */
export async function readSafetensors(path: string): Promise<SafetensorsContents> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new SafetensorsError(path, `cannot read file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  return parseSafetensors(bytes, path);
}

/** Read only the header of a file (names, dtypes, shapes, metadata) without loading tensor data. */
export async function readSafetensorsHeader(path: string): Promise<SafetensorsHeader> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    throw new SafetensorsError(path, `cannot open file (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  try {
    const { size } = await handle.stat();
    const lengthBytes = new Uint8Array(8);
    await handle.read(lengthBytes, 0, Math.min(8, size), 0);
    const headerLength = readHeaderLength(path, lengthBytes, size);
    const headerBytes = new Uint8Array(headerLength);
    await handle.read(headerBytes, 0, headerLength, 8);
    const header = parseHeaderJson(path, headerBytes, size - 8 - headerLength);
    return { ...header, dataStart: 8 + headerLength };
  } finally {
    await handle.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Writing

type TensorsToWrite = Map<string, TensorToWrite> | Record<string, TensorToWrite>;

/**
 * Serialise tensors (in the given order) and an optional string metadata map to safetensors bytes.
 * Throws when a shape does not match its data length, a name is empty or reserved, or a dtype does not fit the array.
 */
export function serializeSafetensors(tensors: TensorsToWrite, metadata?: Record<string, string>): Uint8Array {
  ensureLittleEndianHost();
  const entries = tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors);
  const header: Record<string, unknown> = {};
  if (metadata !== undefined && Object.keys(metadata).length > 0) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') throw new Error(`safetensors metadata '${key}' must be a string`);
    }
    header[METADATA_KEY] = metadata;
  }
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, tensor] of entries) {
    if (name === '' || name === METADATA_KEY) throw new Error(`safetensors: invalid tensor name '${name}'`);
    const dtype = tensor.dtype ?? dtypeOfArray(tensor.data);
    if (!isDtype(dtype)) throw new Error(`safetensors: tensor '${name}' has unknown dtype '${String(dtype)}'`);
    if (!arrayMatchesDtype(tensor.data, dtype)) {
      throw new Error(`safetensors: tensor '${name}' declared ${dtype} but its data is a ${tensor.data.constructor.name}`);
    }
    if (!tensor.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) throw new Error(`safetensors: tensor '${name}' has invalid shape [${tensor.shape.join(', ')}]`);
    const count = elementCount(tensor.shape);
    if (count !== tensor.data.length) {
      throw new Error(`safetensors: tensor '${name}' shape [${tensor.shape.join(', ')}] holds ${count} elements but data has ${tensor.data.length}`);
    }
    const bytes = new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
    header[name] = { dtype, shape: [...tensor.shape], data_offsets: [offset, offset + bytes.length] };
    chunks.push(bytes);
    offset += bytes.length;
  }

  let headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(headerBytes.length / 8) * 8;
  if (padded !== headerBytes.length) {
    const withSpaces = new Uint8Array(padded).fill(0x20);
    withSpaces.set(headerBytes);
    headerBytes = withSpaces;
  }
  const out = new Uint8Array(8 + headerBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(headerBytes.length), true);
  out.set(headerBytes, 8);
  let cursor = 8 + headerBytes.length;
  for (const chunk of chunks) {
    out.set(chunk, cursor);
    cursor += chunk.length;
  }
  return out;
}

/** Write tensors to a file (plain write; see checkpoint.ts for crash-safe atomic writes). */
export async function writeSafetensors(path: string, tensors: TensorsToWrite, metadata?: Record<string, string>): Promise<void> {
  await writeFile(path, serializeSafetensors(tensors, metadata));
}
