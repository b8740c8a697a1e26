// IR value types -> onnx.TypeProto objects. A shape entry is a size, a symbolic name, or null (unknown).
import { typeCode } from '../dtype.js';
import type { Dim, ValueType } from '../ir/types.js';

function shapeProtoOf(shape: readonly Dim[]): Record<string, unknown> {
  return {
    dim: shape.map((d) => {
      if (typeof d === 'number') {
        if (!Number.isInteger(d) || d < 0)
          throw new RangeError(`invalid dimension ${d}: expected a size >= 0`);
        return { dim_value: d };
      }
      if (typeof d === 'string') {
        if (!d) throw new RangeError('a symbolic dimension needs a non-empty name');
        return { dim_param: d };
      }
      return {};
    }),
  };
}

export function typeProtoOf(t: ValueType): Record<string, unknown> {
  switch (t.kind) {
    case 'tensor':
    case 'sparse_tensor': {
      const body: Record<string, unknown> = { elem_type: typeCode(t.elemType) };
      if (t.shape) body.shape = shapeProtoOf(t.shape);
      return t.kind === 'tensor' ? { tensor_type: body } : { sparse_tensor_type: body };
    }
    case 'sequence':
      return { sequence_type: t.elem ? { elem_type: typeProtoOf(t.elem) } : {} };
    case 'optional':
      return { optional_type: t.elem ? { elem_type: typeProtoOf(t.elem) } : {} };
    case 'map':
      return {
        map_type: { key_type: typeCode(t.keyType), ...(t.value ? { value_type: typeProtoOf(t.value) } : {}) },
      };
  }
}
