// Turns --input NAME=FILE.npy|random options into feeds for every model input (unnamed inputs are random).
import { readNpy, type Tensor, type ValueMetadata } from '../engine/index.js';
import { splitAssignment } from './arguments.js';
import { CliError } from './fail.js';
import { randomShape, randomTensor, type RandomShapeOptions } from './random-tensor.js';

export interface FeedOptions extends RandomShapeOptions {
  seed: number;
}

export interface Feed {
  name: string;
  tensor: Tensor;
  source: string; // 'random' or the .npy path, for the summary line
}

export function parseInputSpecs(
  specs: readonly string[],
  inputs: readonly ValueMetadata[],
): Map<string, string> {
  const byName = new Map<string, string>();
  for (const spec of specs) {
    const [name, source] = splitAssignment(spec, '--input');
    if (!inputs.some((i) => i.name === name)) {
      throw new CliError(
        `--input ${spec}: the model has no input named '${name}'; its inputs are: ${inputs.map((i) => i.name).join(', ')}`,
      );
    }
    if (byName.has(name)) throw new CliError(`--input ${name} is given twice`);
    byName.set(name, source);
  }
  return byName;
}

export async function buildFeeds(
  inputs: readonly ValueMetadata[],
  specs: readonly string[],
  options: FeedOptions,
): Promise<Feed[]> {
  const sources = parseInputSpecs(specs, inputs);
  const feeds: Feed[] = [];
  for (const [index, meta] of inputs.entries()) {
    const source = sources.get(meta.name) ?? 'random';
    if (source === 'random') {
      // Each input gets its own stream, so adding an input does not change the others' values.
      const tensor = randomTensor(meta, randomShape(meta, options), options.seed + index);
      feeds.push({ name: meta.name, tensor, source });
      continue;
    }
    let tensor: Tensor;
    try {
      tensor = await readNpy(source);
    } catch (e) {
      throw new CliError(`--input ${meta.name}=${source}: ${(e as Error).message}`, { cause: e });
    }
    if (meta.type && tensor.type !== meta.type) {
      throw new CliError(
        `--input ${meta.name}=${source}: the file holds ${tensor.type} but input '${meta.name}' is ${meta.type}`,
      );
    }
    feeds.push({ name: meta.name, tensor, source });
  }
  return feeds;
}
