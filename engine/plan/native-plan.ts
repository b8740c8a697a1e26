// The shape of a plan as it crosses into native code (read by native/src/napi/bridge.cc). One object per
// compiled graph; subgraphs nest as graph attributes. Values are integer slots; -1 marks an absent input.

export interface NativeTensor {
  dtype: number;
  dims: number[];
  data: Uint8Array | string[];
}

export type NativeAttrValue =
  | number
  | bigint
  | string
  | NativeTensor
  | NativePlan
  | number[]
  | bigint[]
  | string[]
  | NativeTensor[]
  | NativePlan[];

export interface NativeAttr {
  name: string;
  type: 'f' | 'i' | 's' | 't' | 'g' | 'fs' | 'is' | 'ss' | 'ts' | 'gs';
  value: NativeAttrValue;
}

export interface NativeNode {
  name: string;
  opType: string;
  domain: string;
  opset: number;
  inputs: number[];
  outputs: number[];
  implicitInputs: number[];
  implicitNames: string[];
  attrs: NativeAttr[];
  freeAfter: number[];
}

export interface NativePlan {
  name: string;
  values: string[];
  inputs: number[];
  outputs: number[];
  constants: (NativeTensor & { slot: number })[];
  captures: { name: string; slot: number }[];
  nodes: NativeNode[];
}
