// .npy reading and writing: round trips per dtype, files written byte by byte as NumPy writes them, and errors.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'ava';
import { Tensor } from '../../engine/index.js';
import { decodeNpy, encodeNpy, NpyFormatError, readNpy, writeNpy } from '../../engine/npy.js';

/** A .npy file assembled by hand: magic, version, header length, header text, data. */
function handMade(version: 1 | 2 | 3, header: string, data: Uint8Array): Uint8Array {
  const prefix = version === 1 ? 10 : 12;
  const text = new TextEncoder().encode(header);
  const out = new Uint8Array(prefix + text.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, text.length, true);
  else view.setUint32(8, text.length, true);
  out.set(text, prefix);
  out.set(data, prefix + text.length);
  return out;
}

const cases: [string, Tensor][] = [
  ['float32', new Tensor('float32', [1.5, -2, 3.25, 0, 1e-7, -1e7], [2, 3])],
  ['float64', new Tensor('float64', [Math.PI, -Math.E], [2])],
  ['float16', new Tensor('float16', new Uint16Array([0x3c00, 0xc000, 0x7c00]), [3])],
  ['int8', new Tensor('int8', [-128, 0, 127], [3, 1])],
  ['int16', new Tensor('int16', [-32768, 32767], [2])],
  ['int32', new Tensor('int32', [-2147483648, 7, 2147483647], [1, 3])],
  ['int64', new Tensor('int64', [-(2n ** 63n), 5n, 2n ** 63n - 1n], [3])],
  ['uint8', new Tensor('uint8', [0, 255], [2])],
  ['uint16', new Tensor('uint16', [0, 65535], [2])],
  ['uint32', new Tensor('uint32', [0, 4294967295], [2])],
  ['uint64', new Tensor('uint64', [0n, 2n ** 64n - 1n], [2])],
  ['bool', new Tensor('bool', [true, false, true, true], [2, 2])],
  ['scalar', new Tensor('float32', [42], [])],
  ['empty', new Tensor('float32', [], [0, 4])],
];

for (const [name, tensor] of cases) {
  test(`round trip: ${name}`, (t) => {
    const bytes = encodeNpy(tensor);
    t.is((10 + new DataView(bytes.buffer).getUint16(8, true)) % 64, 0, 'data starts on a 64-byte boundary');
    const back = decodeNpy(bytes);
    t.is(back.type, tensor.type);
    t.deepEqual(back.dims, tensor.dims);
    t.deepEqual([...back.data], [...tensor.data]);
  });
}

test('writes the header NumPy writes', (t) => {
  const bytes = encodeNpy(new Tensor('float32', [1, 2, 3, 4, 5, 6], [2, 3]));
  const headerLength = new DataView(bytes.buffer).getUint16(8, true);
  const header = new TextDecoder('latin1').decode(bytes.subarray(10, 10 + headerLength));
  t.deepEqual([...bytes.subarray(0, 8)], [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  t.is(header.trimEnd(), "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }");
  t.true(header.endsWith('\n'));
  t.is(bytes.length, 10 + headerLength + 24);
  t.deepEqual(new Float32Array(bytes.slice(10 + headerLength).buffer), new Float32Array([1, 2, 3, 4, 5, 6]));
  const vector = encodeNpy(new Tensor('uint8', [1], [1]));
  t.regex(new TextDecoder().decode(vector.subarray(10, 80)), /'descr': '\|u1'.*'shape': \(1,\)/);
});

test('reads a hand-made v1 file (little-endian int16, 2x2)', (t) => {
  const data = new Uint8Array([0x01, 0x00, 0xff, 0xff, 0x00, 0x80, 0x34, 0x12]);
  const tensor = decodeNpy(
    handMade(1, "{'descr': '<i2', 'fortran_order': False, 'shape': (2, 2), }   \n", data),
  );
  t.is(tensor.type, 'int16');
  t.deepEqual(tensor.dims, [2, 2]);
  t.deepEqual([...tensor.data], [1, -1, -32768, 0x1234]);
});

test('reads hand-made v2 and v3 files, with double quotes and no trailing comma', (t) => {
  const data = new Uint8Array(new Float64Array([0.5, -8]).buffer);
  const v2 = decodeNpy(handMade(2, '{"descr": "<f8", "fortran_order": False, "shape": (2,)}\n', data));
  t.deepEqual([...v2.data], [0.5, -8]);
  const v3 = decodeNpy(handMade(3, "{'shape': (1, 2), 'fortran_order': False, 'descr': '<f8', }\n", data));
  t.deepEqual(v3.dims, [1, 2]);
  t.deepEqual([...v3.data], [0.5, -8]);
});

test('reads a 0-d array and a bool array from hand-made bytes', (t) => {
  const scalar = decodeNpy(
    handMade(
      1,
      "{'descr': '<i8', 'fortran_order': False, 'shape': (), }\n",
      new Uint8Array([7, 0, 0, 0, 0, 0, 0, 0]),
    ),
  );
  t.deepEqual(scalar.dims, []);
  t.deepEqual([...scalar.data], [7n]);
  const flags = decodeNpy(
    handMade(1, "{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }\n", new Uint8Array([1, 0, 1])),
  );
  t.is(flags.type, 'bool');
  t.deepEqual([...flags.data], [1, 0, 1]);
});

test('decodes from an unaligned view (copies the data)', (t) => {
  const file = encodeNpy(new Tensor('float32', [1, 2, 3], [3]));
  const shifted = new Uint8Array(file.length + 1);
  shifted.set(file, 1);
  t.deepEqual([...decodeNpy(shifted.subarray(1)).data], [1, 2, 3]);
});

test('rejects fortran order, big-endian, unknown dtypes, truncation and non-npy bytes', (t) => {
  const four = new Uint8Array(16);
  const err = (header: string, data = four) =>
    t.throws(() => decodeNpy(handMade(1, header, data)), { instanceOf: NpyFormatError });
  t.regex(err("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 2), }\n").message, /fortran_order/);
  t.regex(err("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 2), }\n").message, /big-endian/);
  t.regex(
    err("{'descr': '<c16', 'fortran_order': False, 'shape': (1,), }\n").message,
    /unsupported dtype '<c16'/,
  );
  t.regex(err("{'descr': [('a', '<f4')], 'fortran_order': False, 'shape': (1,), }\n").message, /structured/);
  t.regex(
    err("{'descr': '<f4', 'fortran_order': False, 'shape': (5,), }\n").message,
    /16 data bytes .* expected 20/,
  );
  t.regex(t.throws(() => decodeNpy(new TextEncoder().encode('not a numpy file')))!.message, /magic/);
  t.regex(
    t.throws(() => encodeNpy(new Tensor('string', ['a'], [1])))!.message,
    /cannot write a string tensor/,
  );
});

test('writeNpy and readNpy go through the file system', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'onnxfleet-npy-'));
  try {
    const path = join(dir, 'x.npy');
    await writeNpy(path, new Tensor('int32', [3, 1, 4, 1, 5, 9], [3, 2]));
    const back = await readNpy(path);
    t.deepEqual(back.dims, [3, 2]);
    t.deepEqual([...back.data], [3, 1, 4, 1, 5, 9]);
    await t.throwsAsync(readNpy(join(dir, 'missing.npy')), { message: /ENOENT/ });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
