import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  parseSafetensors,
  readSafetensors,
  readSafetensorsHeader,
  serializeSafetensors,
  SafetensorsError,
  writeSafetensors,
} from '../../electron/engine/safetensors.ts';

const workDir = mkdtempSync(join(tmpdir(), 'cfs-safetensors-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));

/** Assemble a file by hand from the spec: u64 LE header length, header text, raw data bytes. */
function handBuilt(headerText: string, data: number[]): Uint8Array {
  const header = new TextEncoder().encode(headerText);
  const out = new Uint8Array(8 + header.length + data.length);
  // Little-endian u64 written byte by byte, independent of the writer under test.
  let length = header.length;
  for (let i = 0; i < 8; i++) {
    out[i] = length & 0xff;
    length = Math.floor(length / 256);
  }
  out.set(header, 8);
  out.set(data, 8 + header.length);
  return out;
}

describe('reading hand-built safetensors bytes', () => {
  it('decodes F32, F16, BF16, I64, I32, U8, BOOL and F64 tensors and the metadata map', () => {
    const header =
      '{"__metadata__":{"format":"pt","note":"hand made"},' +
      '"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},' +
      '"h":{"dtype":"F16","shape":[5],"data_offsets":[8,18]},' +
      '"b":{"dtype":"BF16","shape":[2],"data_offsets":[18,22]},' +
      '"ids":{"dtype":"I64","shape":[1],"data_offsets":[22,30]},' +
      '"n":{"dtype":"I32","shape":[1,1],"data_offsets":[30,34]},' +
      '"bytes":{"dtype":"U8","shape":[3],"data_offsets":[34,37]},' +
      '"mask":{"dtype":"BOOL","shape":[2],"data_offsets":[37,39]},' +
      '"d":{"dtype":"F64","shape":[],"data_offsets":[39,47]}}   ';
    const data = [
      // F32 1.5 = 0x3FC00000, -2 = 0xC0000000 (IEEE 754), little-endian
      0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x00, 0xc0,
      // F16: 1.0 = 0x3C00, -2.0 = 0xC000, 65504 (max half) = 0x7BFF, 2^-24 (min subnormal) = 0x0001, +inf = 0x7C00
      0x00, 0x3c, 0x00, 0xc0, 0xff, 0x7b, 0x01, 0x00, 0x00, 0x7c,
      // BF16: 1.0 = 0x3F80, 3.140625 = 0x4049
      0x80, 0x3f, 0x49, 0x40,
      // I64: 2^40 + 5 = 0x0000010000000005
      0x05, 0x00, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
      // I32: -3 = 0xFFFFFFFD
      0xfd, 0xff, 0xff, 0xff,
      // U8
      7, 0, 255,
      // BOOL
      1, 0,
      // F64 0.1 = 0x3FB999999999999A
      0x9a, 0x99, 0x99, 0x99, 0x99, 0x99, 0xb9, 0x3f,
    ];
    const { tensors, metadata } = parseSafetensors(handBuilt(header, data), 'hand.safetensors');
    expect(metadata).toEqual({ format: 'pt', note: 'hand made' });
    expect([...tensors.keys()]).toEqual(['w', 'h', 'b', 'ids', 'n', 'bytes', 'mask', 'd']);
    expect(Array.from(tensors.get('w')!.data as Float32Array)).toEqual([1.5, -2]);
    const half = tensors.get('h')!;
    expect(half.dtype).toBe('F16');
    expect(half.data).toBeInstanceOf(Float32Array);
    expect(Array.from(half.data as Float32Array)).toEqual([1, -2, 65504, Math.fround(2 ** -24), Infinity]);
    expect(Array.from(tensors.get('b')!.data as Float32Array)).toEqual([1, 3.140625]);
    expect(Array.from(tensors.get('ids')!.data as BigInt64Array)).toEqual([2n ** 40n + 5n]);
    expect(tensors.get('n')!.shape).toEqual([1, 1]);
    expect(Array.from(tensors.get('n')!.data as Int32Array)).toEqual([-3]);
    expect(Array.from(tensors.get('bytes')!.data as Uint8Array)).toEqual([7, 0, 255]);
    expect(tensors.get('mask')!.dtype).toBe('BOOL');
    expect(Array.from(tensors.get('mask')!.data as Uint8Array)).toEqual([1, 0]);
    expect(tensors.get('d')!.shape).toEqual([]);
    expect((tensors.get('d')!.data as Float64Array)[0]).toBe(0.1);
  });

  it('orders tensors by their place in the data buffer, not by header key order', () => {
    const header = '{"second":{"dtype":"U8","shape":[1],"data_offsets":[1,2]},"first":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}';
    const { tensors } = parseSafetensors(handBuilt(header, [10, 20]));
    expect([...tensors.entries()].map(([k, t]) => [k, t.data[0]])).toEqual([['first', 10], ['second', 20]]);
  });

  it('accepts an empty file body ({} header) and zero-sized tensors', () => {
    expect(parseSafetensors(handBuilt('{}', [])).tensors.size).toBe(0);
    const { tensors } = parseSafetensors(handBuilt('{"e":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]}}', []));
    expect(tensors.get('e')!.data.length).toBe(0);
  });
});

describe('corrupt files are rejected with errors naming file and tensor', () => {
  const u8 = (name: string, begin: number, end: number, shape = `[${end - begin}]`) =>
    `"${name}":{"dtype":"U8","shape":${shape},"data_offsets":[${begin},${end}]}`;
  const cases: [string, Uint8Array, RegExp][] = [
    ['file shorter than 8 bytes', new Uint8Array([1, 0, 0]), /bad\.st: file is 3 bytes/],
    ['header length past end of file', handBuilt('{}', []).map((b, i) => (i === 0 ? 200 : b)), /header length 200 runs past the end/],
    ['absurd header length', (() => { const b = handBuilt('{}', []); b[7] = 0x7f; return b; })(), /exceeds the 100000000-byte limit/],
    ['header not starting with {', handBuilt(' {}', []), /must start with '\{'/],
    ['header not JSON', handBuilt('{"a":', []), /not valid JSON/],
    ['header a JSON array', handBuilt('[1, 2]', []), /must start with/],
    ['invalid UTF-8 in header', (() => { const b = handBuilt('{"a"}', []); b[10] = 0xff; return b; })(), /not valid UTF-8/],
    ['unknown dtype', handBuilt('{"x":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}', [0]), /tensor 'x': unsupported dtype "F8_E4M3"/],
    ['negative shape', handBuilt('{"x":{"dtype":"U8","shape":[-1],"data_offsets":[0,1]}}', [0]), /tensor 'x': shape must be/],
    ['offsets not a pair', handBuilt('{"x":{"dtype":"U8","shape":[1],"data_offsets":[0]}}', [0]), /tensor 'x': data_offsets must be/],
    ['end before begin', handBuilt(`{${u8('x', 1, 0, '[0]')}}`, [0]), /tensor 'x': data_offsets end 0 is before begin 1/],
    ['offsets past buffer', handBuilt(`{${u8('x', 0, 4)}}`, [0, 0]), /tensor 'x': data_offsets \[0, 4\] run past the end of the 2-byte/],
    ['size not matching shape', handBuilt('{"x":{"dtype":"F32","shape":[2,2],"data_offsets":[0,8]}}', new Array(8).fill(0)), /tensor 'x': shape \[2, 2\] of F32 needs 16 bytes but data_offsets span 8/],
    ['overlapping tensors', handBuilt(`{${u8('a', 0, 3)},${u8('b', 2, 4)}}`, [0, 0, 0, 0]), /tensor 'b': .*overlap tensor 'a'/],
    ['hole between tensors', handBuilt(`{${u8('a', 0, 1)},${u8('b', 2, 3)}}`, [0, 0, 0]), /tensor 'b': data_offsets begin 2 leaves a hole/],
    ['trailing bytes', handBuilt(`{${u8('a', 0, 1)}}`, [0, 9, 9]), /cover 1 bytes but the data buffer holds 3/],
    ['truncated data', handBuilt(`{${u8('a', 0, 2)},${u8('b', 2, 4)}}`, [0, 0, 0]), /tensor 'b': .*run past the end/],
    ['non-string metadata', handBuilt('{"__metadata__":{"epoch":3}}', []), /__metadata__ field 'epoch' must be a string/],
  ];
  for (const [label, bytes, pattern] of cases) {
    it(label, () => {
      expect(() => parseSafetensors(bytes, 'bad.st')).toThrow(SafetensorsError);
      expect(() => parseSafetensors(bytes, 'bad.st')).toThrow(pattern);
      expect(() => parseSafetensors(bytes, 'bad.st')).toThrow(/^bad\.st: /);
    });
  }

  it('names the path when a file cannot be read', async () => {
    const missing = join(workDir, 'missing.safetensors');
    await expect(readSafetensors(missing)).rejects.toThrow(`${missing}: cannot read file (ENOENT)`);
  });

  it('rejects every truncation of a valid file', () => {
    const good = serializeSafetensors(new Map([['a', { data: new Float32Array([1, 2, 3]), shape: [3] }]]));
    for (let length = 0; length < good.length; length++) {
      expect(() => parseSafetensors(good.subarray(0, length), 'cut.st')).toThrow(SafetensorsError);
    }
  });
});

describe('writing', () => {
  it('lays out the file exactly as the spec says, with the header space-padded to a multiple of 8', () => {
    const bytes = serializeSafetensors(
      new Map([
        ['weight', { data: new Float32Array([1.5, -2]), shape: [1, 2] }],
        ['count', { data: new Int32Array([7]), shape: [] }],
      ]),
      { epoch: '3' },
    );
    let headerLength = 0;
    for (let i = 7; i >= 0; i--) headerLength = headerLength * 256 + bytes[i]!;
    expect(headerLength % 8).toBe(0);
    const headerText = new TextDecoder().decode(bytes.subarray(8, 8 + headerLength));
    expect(headerText.startsWith('{')).toBe(true);
    expect(headerText.trimEnd().length).toBeGreaterThan(headerLength - 8);
    expect(headerText.slice(headerText.trimEnd().length)).toMatch(/^ *$/);
    expect(JSON.parse(headerText)).toEqual({
      __metadata__: { epoch: '3' },
      weight: { dtype: 'F32', shape: [1, 2], data_offsets: [0, 8] },
      count: { dtype: 'I32', shape: [], data_offsets: [8, 12] },
    });
    expect(Array.from(bytes.subarray(8 + headerLength))).toEqual([0x00, 0x00, 0xc0, 0x3f, 0x00, 0x00, 0x00, 0xc0, 7, 0, 0, 0]);
    expect(bytes.length).toBe(8 + headerLength + 12);
  });

  it('round-trips every writable dtype, in order, including views into larger buffers', async () => {
    const backing = new Float32Array([9, 9, 0.25, -1e30, 3.4e38, 9]);
    const tensors = new Map([
      ['f32.view', { data: backing.subarray(2, 5), shape: [3] }],
      ['f64', { data: new Float64Array([Math.PI, -0, Number.MIN_VALUE]), shape: [3, 1] }],
      ['i64', { data: new BigInt64Array([-(2n ** 62n), 1n]), shape: [2] }],
      ['u64', { data: new BigUint64Array([2n ** 64n - 1n]), shape: [1] }],
      ['i32', { data: new Int32Array([-(2 ** 31), 2 ** 31 - 1]), shape: [2] }],
      ['u32', { data: new Uint32Array([2 ** 32 - 1]), shape: [1] }],
      ['i16', { data: new Int16Array([-32768]), shape: [1] }],
      ['u16', { data: new Uint16Array([65535]), shape: [1] }],
      ['i8', { data: new Int8Array([-128, 127]), shape: [2] }],
      ['u8', { data: new Uint8Array([0, 255, 1]), shape: [3] }],
      ['bool', { data: new Uint8Array([1, 0, 1]), shape: [3], dtype: 'BOOL' as const }],
      ['empty', { data: new Float32Array(0), shape: [2, 0] }],
    ]);
    const path = join(workDir, 'all.safetensors');
    await writeSafetensors(path, tensors, { a: 'b' });
    const read = await readSafetensors(path);
    expect([...read.tensors.keys()]).toEqual([...tensors.keys()]);
    for (const [name, original] of tensors) {
      const back = read.tensors.get(name)!;
      expect(back.shape, name).toEqual(original.shape);
      expect(back.data.constructor, name).toBe(original.data.constructor);
      expect(Array.from(back.data as ArrayLike<number | bigint>), name).toEqual(Array.from(original.data as ArrayLike<number | bigint>));
    }
    expect(read.tensors.get('bool')!.dtype).toBe('BOOL');
    expect(read.metadata).toEqual({ a: 'b' });
    expect(Object.is((read.tensors.get('f64')!.data as Float64Array)[1], -0)).toBe(true);

    const header = await readSafetensorsHeader(path);
    expect(header.entries.get('i64')).toEqual({ dtype: 'I64', shape: [2], dataOffsets: expect.any(Array) });
    expect(header.metadata).toEqual({ a: 'b' });
    expect(header.dataStart % 8).toBe(0);
  });

  it('refuses shape/data mismatches, reserved names and dtype/array mismatches', () => {
    expect(() => serializeSafetensors({ x: { data: new Float32Array(5), shape: [2, 2] } })).toThrow(/'x' shape \[2, 2\] holds 4 elements but data has 5/);
    expect(() => serializeSafetensors({ __metadata__: { data: new Float32Array(1), shape: [1] } })).toThrow(/invalid tensor name/);
    expect(() => serializeSafetensors({ x: { data: new Float32Array(1), shape: [1], dtype: 'I32' } })).toThrow(/'x' declared I32 but its data is a Float32Array/);
    expect(() => serializeSafetensors({ x: { data: new Float32Array(1), shape: [1.5] } })).toThrow(/invalid shape/);
  });
});

// Debian's python3 with numpy reads our files by parsing the header itself (python3-safetensors is not packaged).
const python = '/usr/bin/python3';
const numpyProbe = spawnSync(python, ['-c', 'import numpy'], { encoding: 'utf8' });
const hasNumpy = numpyProbe.status === 0;
if (!hasNumpy) console.warn(`skipping the numpy interoperability test: ${python} with numpy is unavailable (${numpyProbe.error?.message ?? numpyProbe.stderr.trim()})`);

describe.skipIf(!hasNumpy)('interoperability with numpy', () => {
  it('python reads our file per the spec and sees the same values', async () => {
    const path = join(workDir, 'numpy.safetensors');
    const weight = new Float32Array([0.5, -1.25, 3e-8, 1e20, 2, 4]);
    await writeSafetensors(path, new Map([
      ['layer.weight', { data: weight, shape: [2, 3] }],
      ['tokens', { data: new BigInt64Array([5n, -7n, 2n ** 50n]), shape: [3] }],
      ['mask', { data: new Uint8Array([1, 0]), shape: [2], dtype: 'BOOL' as const }],
    ]), { step: '12' });
    const script = [
      'import json, struct, sys, numpy as np',
      'raw = open(sys.argv[1], "rb").read()',
      '(n,) = struct.unpack("<Q", raw[:8])',
      'assert n % 8 == 0, n',
      'header = json.loads(raw[8:8 + n].decode("utf-8"))',
      'meta = header.pop("__metadata__", {})',
      'types = {"F32": "<f4", "I64": "<i8", "BOOL": "?"}',
      'out = {"meta": meta}',
      'for name, info in header.items():',
      '    b, e = info["data_offsets"]',
      '    arr = np.frombuffer(raw[8 + n + b: 8 + n + e], dtype=types[info["dtype"]]).reshape(info["shape"])',
      '    out[name] = {"shape": list(arr.shape), "values": [str(v) if info["dtype"] == "I64" else v for v in arr.ravel().tolist()]}',
      'print(json.dumps(out))',
    ].join('\n');
    const run = spawnSync(python, ['-c', script, path], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const seen = JSON.parse(run.stdout);
    expect(seen.meta).toEqual({ step: '12' });
    expect(seen['layer.weight'].shape).toEqual([2, 3]);
    expect(seen['layer.weight'].values).toEqual(Array.from(weight));
    expect(seen.tokens.values).toEqual(['5', '-7', String(2n ** 50n)]);
    expect(seen.mask.values).toEqual([true, false]);
  });

  it('we read a file numpy wrote per the spec', () => {
    const path = join(workDir, 'from-numpy.safetensors');
    const script = [
      'import json, struct, sys, numpy as np',
      'a = np.arange(6, dtype="<f8").reshape(3, 2) / 4',
      'h = np.array([0.5, -3.0], dtype="<f2")',
      'data = a.tobytes() + h.tobytes()',
      'header = {"a": {"dtype": "F64", "shape": [3, 2], "data_offsets": [0, 48]}, "h": {"dtype": "F16", "shape": [2], "data_offsets": [48, 52]}}',
      'text = json.dumps(header).encode()',
      'open(sys.argv[1], "wb").write(struct.pack("<Q", len(text)) + text + data)',
    ].join('\n');
    const run = spawnSync(python, ['-c', script, path], { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    return readSafetensors(path).then(({ tensors }) => {
      expect(Array.from(tensors.get('a')!.data as Float64Array)).toEqual([0, 0.25, 0.5, 0.75, 1, 1.25]);
      expect(Array.from(tensors.get('h')!.data as Float32Array)).toEqual([0.5, -3]);
    });
  });
});

it('writes files readable after a plain writeFile of serialized bytes', async () => {
  const path = join(workDir, 'plain.safetensors');
  writeFileSync(path, serializeSafetensors({ z: { data: new Float32Array([4]), shape: [1] } }));
  expect(Array.from((await readSafetensors(path)).tensors.get('z')!.data as Float32Array)).toEqual([4]);
});
