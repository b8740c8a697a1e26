// Typed errors shared by client, worker and coordinator. Every failure that crosses the wire carries one of
// these codes; the client rebuilds the matching class so callers can `instanceof` or switch on `code`.

export const ERROR_CODES = [
  'MODEL_NOT_FOUND',
  'BAD_INPUT',
  'PAYLOAD_TOO_LARGE',
  'DEADLINE_EXCEEDED',
  'OVERLOADED',
  'INTERNAL',
  'BAD_MESSAGE',
  'UNAVAILABLE',
  'CANCELLED',
  'JOB_NOT_FOUND',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ErrorContext {
  model?: string;
  workerId?: string;
  cause?: unknown;
}

export class FleetError extends Error {
  readonly code: ErrorCode;
  readonly model?: string;
  readonly workerId?: string;

  constructor(code: ErrorCode, message: string, context: ErrorContext = {}) {
    super(message, context.cause === undefined ? undefined : { cause: context.cause });
    this.name = NAMES[code];
    this.code = code;
    if (context.model) this.model = context.model;
    if (context.workerId) this.workerId = context.workerId;
  }
}

const NAMES: Record<ErrorCode, string> = {
  MODEL_NOT_FOUND: 'ModelNotFoundError',
  BAD_INPUT: 'BadInputError',
  PAYLOAD_TOO_LARGE: 'PayloadTooLargeError',
  DEADLINE_EXCEEDED: 'DeadlineExceededError',
  OVERLOADED: 'OverloadedError',
  INTERNAL: 'InternalError',
  BAD_MESSAGE: 'BadMessageError',
  UNAVAILABLE: 'UnavailableError',
  CANCELLED: 'CancelledError',
  JOB_NOT_FOUND: 'JobNotFoundError',
};

function errorClass(code: ErrorCode) {
  const cls = class extends FleetError {
    constructor(message: string, context?: ErrorContext) {
      super(code, message, context);
    }
  };
  Object.defineProperty(cls, 'name', { value: NAMES[code] });
  return cls;
}

export const ModelNotFoundError = errorClass('MODEL_NOT_FOUND');
export const BadInputError = errorClass('BAD_INPUT');
export const PayloadTooLargeError = errorClass('PAYLOAD_TOO_LARGE');
export const DeadlineExceededError = errorClass('DEADLINE_EXCEEDED');
export const OverloadedError = errorClass('OVERLOADED');
export const InternalError = errorClass('INTERNAL');
export const BadMessageError = errorClass('BAD_MESSAGE');
export const UnavailableError = errorClass('UNAVAILABLE');
export const CancelledError = errorClass('CANCELLED');
export const JobNotFoundError = errorClass('JOB_NOT_FOUND');

const CLASSES: Record<ErrorCode, new (message: string, context?: ErrorContext) => FleetError> = {
  MODEL_NOT_FOUND: ModelNotFoundError,
  BAD_INPUT: BadInputError,
  PAYLOAD_TOO_LARGE: PayloadTooLargeError,
  DEADLINE_EXCEEDED: DeadlineExceededError,
  OVERLOADED: OverloadedError,
  INTERNAL: InternalError,
  BAD_MESSAGE: BadMessageError,
  UNAVAILABLE: UnavailableError,
  CANCELLED: CancelledError,
  JOB_NOT_FOUND: JobNotFoundError,
};

/** Builds the typed error for a code (unknown codes from a newer peer become INTERNAL). */
export function fleetError(code: string, message: string, context?: ErrorContext): FleetError {
  const known = (ERROR_CODES as readonly string[]).includes(code) ? (code as ErrorCode) : 'INTERNAL';
  return new CLASSES[known](message, context);
}

/** Any thrown value as a FleetError; errors without a code are INTERNAL. */
export function asFleetError(e: unknown, context: ErrorContext = {}): FleetError {
  if (e instanceof FleetError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new InternalError(message, { ...context, cause: e });
}

/** HTTP-like status for the NATS service API's error headers (so $SRV.STATS counts errors by kind). */
export function serviceStatus(code: ErrorCode): number {
  switch (code) {
    case 'MODEL_NOT_FOUND':
    case 'JOB_NOT_FOUND':
      return 404;
    case 'BAD_INPUT':
    case 'BAD_MESSAGE':
      return 400;
    case 'PAYLOAD_TOO_LARGE':
      return 413;
    case 'OVERLOADED':
      return 429;
    case 'CANCELLED':
      return 499;
    case 'UNAVAILABLE':
      return 503;
    case 'DEADLINE_EXCEEDED':
      return 504;
    case 'INTERNAL':
      return 500;
  }
}
