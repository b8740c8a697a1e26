// The wire contract shared by client, worker and coordinator (DESIGN.md §4).
export * from './errors.js';
export * from './messages.js';
export * from './subjects.js';
export * from './tensors.js';
