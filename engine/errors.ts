// Typed errors of the engine. Each has a stable `code` so callers (and the wire protocol) need not parse text.

export class OnnxfleetError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** The model bytes are not a valid ONNX model (truncated, malformed, unsafe external data, ...). */
export class ModelLoadError extends OnnxfleetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('MODEL_LOAD', message, options);
  }
}

/** The model uses something the engine cannot run (operator, type, version). */
export class UnsupportedError extends OnnxfleetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('UNSUPPORTED', message, options);
  }
}

/** A run failed inside a kernel; the message names the node, op type and input shapes. */
export class RuntimeError extends OnnxfleetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('RUNTIME', message, options);
  }
}

/** The native addon is missing or could not be loaded. */
export class NativeLoadError extends OnnxfleetError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('NATIVE_LOAD', message, options);
  }
}
