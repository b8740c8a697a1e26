// Loads the project's onnx.proto with protobufjs once per process.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

function findProto(): string {
  // Works from the sources (engine/onnx) and from the build output (dist/engine/onnx).
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    for (const candidate of [join(dir, 'onnx.proto'), join(dir, 'engine', 'onnx', 'onnx.proto')]) {
      if (existsSync(candidate)) return candidate;
    }
    dir = dirname(dir);
  }
  throw new Error(
    'onnxfleet: engine/onnx/onnx.proto not found next to the engine; the package is incomplete',
  );
}

let root: protobuf.Root | undefined;

export function onnxSchema(): protobuf.Root {
  if (!root) root = protobuf.parse(readFileSync(findProto(), 'utf8'), { keepCase: true }).root;
  return root;
}

export function messageType(name: string): protobuf.Type {
  return onnxSchema().lookupType(`onnx.${name}`);
}
