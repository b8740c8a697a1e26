// The engine's public API: `import { InferenceSession, Tensor } from 'onnxfleet'`.
export { InferenceSession, type ValueMetadata, type FeedValue, type FetchValue } from './session.js';
export type { PlanNodeInfo, PlanValueInfo } from './plan/plan-nodes.js';
export { Tensor, type TensorData } from './tensor.js';
export type {
  SessionOptions,
  RunOptions,
  GraphOptimizationLevel,
  ExecutionProvider,
} from './session-options.js';
export type { TensorType } from './dtype.js';
export { OnnxfleetError, ModelLoadError, UnsupportedError, RuntimeError, NativeLoadError } from './errors.js';
export { providerStatus } from './providers.js';
export {
  summarizeByOpType,
  type RunProfile,
  type NodeTiming,
  type OpTypeSummary,
} from './profile/profiler.js';
export { decodeModel } from './onnx/decode.js';
export type { Model, Graph, Node, TensorData as ConstantTensor } from './ir/types.js';
export {
  ModelBuilder,
  GraphBuilder,
  attr,
  buildDemoClassifier,
  DEMO_CLASSIFIER,
  mulberry32,
  type AttributeValue,
} from './builder/index.js';
export { readNpy, writeNpy, decodeNpy, encodeNpy, NpyFormatError } from './npy.js';
