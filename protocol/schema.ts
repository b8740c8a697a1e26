// Loads protocol/onnxfleet.proto once per process (from the sources or from dist/protocol).
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

function findProto(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    for (const candidate of [join(dir, 'onnxfleet.proto'), join(dir, 'protocol', 'onnxfleet.proto')]) {
      if (existsSync(candidate)) return candidate;
    }
    dir = dirname(dir);
  }
  throw new Error('onnxfleet: protocol/onnxfleet.proto not found; the package is incomplete');
}

let root: protobuf.Root | undefined;

export function wireType(name: string): protobuf.Type {
  if (!root) root = protobuf.parse(readFileSync(findProto(), 'utf8')).root;
  return root.lookupType(`onnxfleet.v1.${name}`);
}

export function wireEnum(name: string): protobuf.Enum {
  wireType('Tensor');
  return root!.lookupEnum(`onnxfleet.v1.${name}`);
}
