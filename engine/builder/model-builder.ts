// A deterministic ONNX model builder: the main graph plus opset imports and model metadata, encoded with the
// engine's own onnx.proto. Same calls, same bytes.
import { messageType } from '../onnx/schema.js';
import { int64Of, irVersionForOpset } from '../onnx/wire-values.js';
import { GraphBuilder } from './graph-builder.js';

export interface ModelBuilderOptions {
  /** ai.onnx opset version; default 13 (the benchmark models' opset). */
  opset?: number;
  /** ModelProto.ir_version; default: the IR version that introduced `opset`. */
  irVersion?: number;
  graphName?: string;
  producerName?: string;
  producerVersion?: string;
  docString?: string;
}

export { irVersionForOpset };

export class ModelBuilder extends GraphBuilder {
  private readonly opsets = new Map<string, number>();
  private readonly metadata = new Map<string, string>();
  private readonly options: ModelBuilderOptions;

  constructor(options: ModelBuilderOptions = {}) {
    super(options.graphName ?? 'main');
    this.options = options;
    this.opsetImport('', options.opset ?? 13);
  }

  /** Imports an operator set; '' (or 'ai.onnx') is the default domain. */
  opsetImport(domain: string, version: number): this {
    if (!Number.isInteger(version) || version < 1)
      throw new RangeError(`opset version must be >= 1, got ${version}`);
    this.opsets.set(domain === 'ai.onnx' ? '' : domain, version);
    return this;
  }

  /** A ModelProto.metadata_props entry. */
  meta(key: string, value: string): this {
    this.metadata.set(key, value);
    return this;
  }

  /** A plain object that protobufjs encodes as onnx.ModelProto. */
  toModelProto(): Record<string, unknown> {
    const opset = this.opsets.get('') ?? 1;
    return {
      ir_version: int64Of(this.options.irVersion ?? irVersionForOpset(opset)),
      producer_name: this.options.producerName ?? 'onnxfleet',
      producer_version: this.options.producerVersion ?? '',
      doc_string: this.options.docString ?? '',
      graph: this.toGraphProto(),
      opset_import: [...this.opsets].map(([domain, version]) => ({ domain, version: int64Of(version) })),
      metadata_props: [...this.metadata].map(([key, value]) => ({ key, value })),
    };
  }

  /** The encoded ModelProto. */
  toBytes(): Uint8Array {
    const type = messageType('ModelProto');
    const proto = this.toModelProto();
    const problem = type.verify(proto);
    if (problem) throw new Error(`ModelBuilder produced an invalid ModelProto: ${problem}`);
    // A copy: in Node, finish() may return a slice of a shared pool buffer.
    return new Uint8Array(type.encode(proto).finish());
  }
}
