// Parsers for option values, for commander: each throws InvalidArgumentError, which commander reports in one line.
import { InvalidArgumentError } from 'commander';

export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError(`expected a positive integer, got '${value}'`);
  }
  return n;
}

export function nonNegativeInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(n)) {
    throw new InvalidArgumentError(`expected an integer >= 0, got '${value}'`);
  }
  return n;
}

/** For repeatable options: `--input a=1 --input b=2` collects ['a=1', 'b=2']. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Splits NAME=VALUE at the first '=' (file paths may contain more). */
export function splitAssignment(spec: string, option: string): [string, string] {
  const at = spec.indexOf('=');
  if (at <= 0 || at === spec.length - 1) {
    throw new InvalidArgumentError(`${option} expects NAME=VALUE, got '${spec}'`);
  }
  return [spec.slice(0, at), spec.slice(at + 1)];
}
