// The model as the planner sees it: decoded and normalized (functions inlined, shapes inferred with symbolic
// dims, as stage models declare them), plus a second inference with the symbolic dims replaced by numbers,
// which is what the cost model measures.
import type { Model, ValueType } from '../../engine/ir/types.js';
import { normalizeModel } from '../../engine/normalize/normalize.js';
import { decodeModel } from '../../engine/onnx/decode.js';
import { inferShapes } from '../../engine/shape/index.js';
import { type DimValues, resolveDim, resolveSymbols } from './dims.js';

export interface PrepareOptions {
  /** Shown in plans and errors. */
  name?: string;
  /** Values of symbolic dims for the cost model, e.g. { batch: 1, sequence: 128 }. */
  dims?: DimValues;
  /** Folder of the model file, for models with external data (bytes only). */
  baseDir?: string;
}

export interface PreparedModel {
  name: string;
  /** Normalized model; its graph is what the stages are cut from. */
  model: Model;
  /** The symbolic dims and the values the cost model used for them. */
  dims: Record<string, number>;
  /** Types as inferred with symbolic dims (what stage inputs and outputs declare). */
  types: Map<string, ValueType>;
  /** Types with every dim a number (symbols resolved through `dims`, unknown dims as 1). */
  concrete: Map<string, ValueType>;
}

/** Decodes (bytes) or takes (a Model, normalized in place) and infers both views of the shapes. */
export function prepareModel(source: Model | Uint8Array, options: PrepareOptions = {}): PreparedModel {
  const name = options.name ?? 'model';
  const what = `model '${name}'`;
  const model = normalizeModel(
    source instanceof Uint8Array ? decodeModel(source, { source: name, baseDir: options.baseDir }) : source,
    { what },
  );
  const g = model.graph;
  const dims = resolveSymbols(
    g.inputs.map((i) => (i.type?.kind === 'tensor' ? i.type.shape : undefined)),
    options.dims ?? {},
  );
  const types = inferShapes(model);
  const inputs = g.inputs.map((i) =>
    i.type?.kind === 'tensor' && i.type.shape
      ? { ...i, type: { ...i.type, shape: i.type.shape.map((d) => resolveDim(d, dims)) } }
      : i,
  );
  const inferred = inferShapes({ ...model, graph: { ...g, inputs } });
  const concrete = new Map<string, ValueType>();
  for (const [k, t] of inferred) {
    concrete.set(
      k,
      t.kind === 'tensor' && t.shape ? { ...t, shape: t.shape.map((d) => resolveDim(d, dims)) } : t,
    );
  }
  return { name, model, dims, types, concrete };
}
