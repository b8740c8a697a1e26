// Constant nodes become initializers: no kernel call per run, and later passes see the values.
import type { Attribute, TensorData } from '../../ir/types.js';
import type { Pass } from '../pass.js';

function scalarBytes(a: Attribute): TensorData | undefined {
  const le = (arr: Float32Array | BigInt64Array) =>
    new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength);
  switch (a.type) {
    case 't':
      return a.value;
    case 'f':
      return { name: '', type: 'float32', dims: [], data: le(Float32Array.of(a.value)) };
    case 'fs':
      return { name: '', type: 'float32', dims: [a.value.length], data: le(Float32Array.from(a.value)) };
    case 'i':
      return { name: '', type: 'int64', dims: [], data: le(BigInt64Array.of(a.value)) };
    case 'is':
      return { name: '', type: 'int64', dims: [a.value.length], data: le(BigInt64Array.from(a.value)) };
    case 's':
      return { name: '', type: 'string', dims: [], data: [a.value] };
    case 'ss':
      return { name: '', type: 'string', dims: [a.value.length], data: a.value };
    default:
      return undefined; // sparse_value and anything else stays a node
  }
}

export const constantToInitializer: Pass = {
  name: 'constant-to-initializer',
  level: 'basic',
  run(model) {
    const g = model.graph;
    let changed = false;
    g.nodes = g.nodes.filter((n) => {
      if (n.opType !== 'Constant' || n.domain !== '' || n.attributes.size !== 1 || !n.outputs[0]) return true;
      const value = scalarBytes([...n.attributes.values()][0]);
      if (!value) return true;
      g.initializers.set(n.outputs[0], { ...value, name: n.outputs[0] });
      changed = true;
      return false;
    });
    return changed;
  },
};
