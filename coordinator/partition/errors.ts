// Typed errors of the partition planner; callers switch on `code`, never on the message.
import { OnnxfleetError } from '../../engine/errors.js';

export type PartitionErrorCode =
  /** No split into the requested number of stages keeps every stage within its weight budget. */
  | 'PARTITION_INFEASIBLE'
  /** The request itself cannot be met: bad stage count, more stages than places to cut, bad options. */
  | 'PARTITION_INVALID';

export class PartitionError extends OnnxfleetError {
  declare readonly code: PartitionErrorCode;
  /** For PARTITION_INFEASIBLE: the smallest per-stage budget (bytes) with which the request would work. */
  readonly smallestFeasibleBudget?: number;

  constructor(
    code: PartitionErrorCode,
    message: string,
    options: { cause?: unknown; smallestFeasibleBudget?: number } = {},
  ) {
    super(code, message, options);
    if (options.smallestFeasibleBudget !== undefined)
      this.smallestFeasibleBudget = options.smallestFeasibleBudget;
  }
}
