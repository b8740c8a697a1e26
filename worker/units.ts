// What a worker hosts: whole models (from --models or placement) and pipeline stages of split models.

/** A stage's place in its pipeline. */
export interface StageRole {
  /** The model clients address (the unsplit name). */
  model: string;
  index: number;
  count: number;
  /** Tensors this stage's model takes. */
  inputs: string[];
  /** Tensors passed on to the next stage: inputs of later stages and the model's outputs. */
  forward: string[];
  graphOutputs: string[];
}

export interface UnitSpec {
  /** Model name (whole models) or model#k (stages). */
  key: string;
  /** Name and version in the model index. */
  indexName: string;
  version: string;
  stage?: StageRole;
}

export function wholeModel(name: string, version = 'latest'): UnitSpec {
  return { key: name, indexName: name, version };
}

export function sameUnit(a: UnitSpec, b: UnitSpec): boolean {
  return (
    a.key === b.key &&
    a.indexName === b.indexName &&
    a.version === b.version &&
    JSON.stringify(a.stage) === JSON.stringify(b.stage)
  );
}
