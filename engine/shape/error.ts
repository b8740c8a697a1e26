// A model whose shapes provably contradict each other. It is a ModelLoadError (code MODEL_LOAD): the model
// is invalid, and callers that classify by code need not know about shape inference.
import { ModelLoadError } from '../errors.js';

export class ShapeInferenceError extends ModelLoadError {
  readonly node: string;
  readonly opType: string;
  constructor(node: string, opType: string, message: string) {
    super(`shape inference: node '${node}' (${opType}): ${message}`);
    this.node = node;
    this.opType = opType;
  }
}
