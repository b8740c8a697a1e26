// The model builder's public surface (re-exported by engine/index.ts).
export { ModelBuilder, type ModelBuilderOptions, irVersionForOpset } from './model-builder.js';
export { GraphBuilder, type NodeOptions, type ValueTypeSpec } from './graph-builder.js';
export { attr, type AttributeValue, type TypedAttribute } from './attributes.js';
export { buildDemoClassifier, type DemoClassifierOptions, DEMO_CLASSIFIER } from './demo-models.js';
export { mulberry32, uniformFloats } from './prng.js';
