// The ONNX backend test data: finding cases and reading their .pb inputs and expected outputs.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { viewAs } from '../../engine/dtype.js';
import type { TensorData, ValueType } from '../../engine/ir/types.js';
import { messageType } from '../../engine/onnx/schema.js';
import { tensorFromProto } from '../../engine/onnx/tensor-proto.js';
import { Tensor } from '../../engine/tensor.js';

export const FOLDERS = ['node', 'simple', 'pytorch-operator', 'pytorch-converted'] as const;

export function dataRoot(): string {
  const here = fileURLToPath(new URL('.', import.meta.url));
  return process.env.ONNX_BACKEND_DATA ?? resolve(here, '..', '..', '..', 'shared', 'onnx-backend');
}

export interface Case {
  id: string; // "node/test_abs"
  dir: string;
}

export function listCases(root = dataRoot()): Case[] {
  const out: Case[] = [];
  for (const folder of FOLDERS) {
    const base = join(root, folder);
    if (!existsSync(base)) continue;
    for (const name of readdirSync(base).sort()) {
      if (existsSync(join(base, name, 'model.onnx')))
        out.push({ id: `${folder}/${name}`, dir: join(base, name) });
    }
  }
  return out;
}

export function dataSets(dir: string): string[] {
  return readdirSync(dir)
    .filter((d) => d.startsWith('test_data_set_'))
    .sort()
    .map((d) => join(dir, d));
}

export type CaseValue = Tensor | Tensor[] | null;

function toTensor(t: TensorData): Tensor {
  if (t.type === 'string') return new Tensor('string', t.data as string[], t.dims);
  const bytes = t.data as Uint8Array;
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Tensor(t.type, viewAs(t.type, copy), t.dims);
}

/* eslint-disable @typescript-eslint/no-explicit-any */
function fromSequence(p: any): Tensor[] {
  return (p.tensor_values ?? []).map((t: any) => toTensor(tensorFromProto(t, { what: 'test data' })));
}

function fromOptional(p: any): CaseValue {
  if (p.tensor_value) return toTensor(tensorFromProto(p.tensor_value, { what: 'test data' }));
  if (p.sequence_value) return fromSequence(p.sequence_value);
  return null;
}

/** Reads input_N.pb / output_N.pb as the kind of value the model declares for that position. */
export function readValue(file: string, type: ValueType | undefined): CaseValue {
  const bytes = readFileSync(file);
  switch (type?.kind) {
    case 'sequence':
      return fromSequence(messageType('SequenceProto').decode(bytes));
    case 'optional':
      return fromOptional(messageType('OptionalProto').decode(bytes));
    default:
      return toTensor(tensorFromProto(messageType('TensorProto').decode(bytes), { what: file }));
  }
}

export function numberedFiles(dir: string, prefix: 'input' | 'output'): string[] {
  return readdirSync(dir)
    .filter((f) => f.startsWith(prefix + '_') && f.endsWith('.pb'))
    .sort((a, b) => Number(a.slice(prefix.length + 1, -3)) - Number(b.slice(prefix.length + 1, -3)))
    .map((f) => join(dir, f));
}
