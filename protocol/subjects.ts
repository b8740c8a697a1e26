// NATS names (DESIGN.md §4). Everything starts with a configurable prefix, default `onnxfleet`.

export const DEFAULT_PREFIX = 'onnxfleet';

/** Message headers onnxfleet sets. */
export const HEADERS = {
  /** Marks a body that is a BlobRef: the real message lies in the Object Store. */
  blob: 'Onnxfleet-Blob',
  /** W3C trace context. */
  traceparent: 'traceparent',
  tracestate: 'tracestate',
} as const;

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;

/** Model names become subject tokens and KV keys, so they are restricted to letters, digits, '_' and '-'. */
export function checkModelName(name: string): string {
  if (typeof name !== 'string' || !NAME.test(name)) {
    throw new TypeError(
      `invalid model name ${JSON.stringify(name)}: use 1-128 letters, digits, '_' or '-' (it becomes a NATS subject token)`,
    );
  }
  return name;
}

/** Versions are free text in the model index but must also be a KV key token. */
export function checkVersion(version: string): string {
  if (typeof version !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/.test(version)) {
    throw new TypeError(
      `invalid model version ${JSON.stringify(version)}: use 1-64 letters, digits, '_', '-' or '.'`,
    );
  }
  return version;
}

export class Names {
  readonly prefix: string;

  constructor(prefix: string = DEFAULT_PREFIX) {
    if (!/^[a-z][a-z0-9_-]{0,31}$/.test(prefix)) {
      throw new TypeError(`invalid subject prefix '${prefix}': use lowercase letters, digits, '_' or '-'`);
    }
    this.prefix = prefix;
  }

  infer(model: string): string {
    return `${this.prefix}.infer.${checkModelName(model)}`;
  }
  jobs(model: string): string {
    return `${this.prefix}.jobs.${checkModelName(model)}`;
  }
  get allJobs(): string {
    return `${this.prefix}.jobs.>`;
  }
  results(jobId: string): string {
    return `${this.prefix}.results.${checkJobId(jobId)}`;
  }
  get allResults(): string {
    return `${this.prefix}.results.>`;
  }
  jobEvents(jobId: string): string {
    return `${this.prefix}.events.job.${checkJobId(jobId)}`;
  }
  stage(model: string, k: number): string {
    return `${this.prefix}.stage.${checkModelName(model)}.${k}`;
  }

  private get upper(): string {
    return this.prefix.toUpperCase().replace(/-/g, '_');
  }
  get jobsStream(): string {
    return `${this.upper}_JOBS`;
  }
  get resultsStream(): string {
    return `${this.upper}_RESULTS`;
  }
  /** Durable pull consumer shared by every worker that serves jobs for the model. */
  jobsConsumer(model: string): string {
    return `jobs_${checkModelName(model)}`;
  }
  get modelsBucket(): string {
    return `${this.prefix}_models`;
  }
  get modelIndexBucket(): string {
    return `${this.prefix}_model_index`;
  }
  get blobsBucket(): string {
    return `${this.prefix}_blobs`;
  }
  get workersBucket(): string {
    return `${this.prefix}_workers`;
  }
  get placementBucket(): string {
    return `${this.prefix}_placement`;
  }
  get serviceName(): string {
    return `${this.prefix}-worker`;
  }
}

const JOB_ID = /^[A-Za-z0-9_-]{1,128}$/;

export function checkJobId(id: string): string {
  if (typeof id !== 'string' || !JOB_ID.test(id)) {
    throw new TypeError(`invalid job id ${JSON.stringify(id)}: use 1-128 letters, digits, '_' or '-'`);
  }
  return id;
}

/** Index name of stage k of K of a model (the coordinator pushes these; users never address them). */
export function stageModelName(model: string, k: number, count: number): string {
  return `${model}--stage-${k}-of-${count}`;
}

export function isStageModelName(name: string): boolean {
  return /--stage-\d+-of-\d+$/.test(name);
}
