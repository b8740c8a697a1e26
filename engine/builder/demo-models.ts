// The demo model: a small deterministic CNN classifier, so a fresh clone has a real model to run and serve.
import { attr } from './attributes.js';
import { ModelBuilder } from './model-builder.js';
import { mulberry32, uniformFloats } from './prng.js';

export interface DemoClassifierOptions {
  /** PRNG seed for the weights; the same seed gives the same bytes. Default 42. */
  seed?: number;
  /** Number of classes. Default 10. */
  classes?: number;
}

/** Input and output names of the demo classifier. */
export const DEMO_CLASSIFIER = {
  input: 'images', // float32 [batch, 3, 32, 32]
  output: 'probabilities', // float32 [batch, classes], rows sum to 1
} as const;

/**
 * Conv(3->8, 3x3) Relu MaxPool(2x2) Conv(8->16, 3x3) Relu GlobalAveragePool Flatten Gemm(16->classes) Softmax,
 * opset 13, batch dimension symbolic ('batch'). Weights are uniform in +-sqrt(3/fan_in) (unit-variance
 * activations) from mulberry32(seed).
 */
export function buildDemoClassifier(options: DemoClassifierOptions = {}): ModelBuilder {
  const classes = options.classes ?? 10;
  if (!Number.isInteger(classes) || classes < 2)
    throw new RangeError(`classes must be an integer >= 2, got ${classes}`);
  const random = mulberry32(options.seed ?? 42);
  const weights = (count: number, fanIn: number) => uniformFloats(random, count, Math.sqrt(3 / fanIn));

  const m = new ModelBuilder({ opset: 13, graphName: 'demo_classifier' });
  m.meta('description', 'onnxfleet demo classifier: random seeded weights, not trained');
  m.input(DEMO_CLASSIFIER.input, 'float32', ['batch', 3, 32, 32]);
  m.initializer('conv1.weight', weights(8 * 3 * 3 * 3, 3 * 3 * 3), [8, 3, 3, 3]);
  m.initializer('conv1.bias', weights(8, 3 * 3 * 3), [8]);
  m.initializer('conv2.weight', weights(16 * 8 * 3 * 3, 8 * 3 * 3), [16, 8, 3, 3]);
  m.initializer('conv2.bias', weights(16, 8 * 3 * 3), [16]);
  m.initializer('fc.weight', weights(classes * 16, 16), [classes, 16]);
  m.initializer('fc.bias', weights(classes, 16), [classes]);

  const conv = { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] };
  m.node('Conv', ['images', 'conv1.weight', 'conv1.bias'], ['conv1'], conv, { name: 'conv1' });
  m.node('Relu', ['conv1'], ['relu1'], {}, { name: 'relu1' });
  m.node('MaxPool', ['relu1'], ['pool1'], { kernel_shape: [2, 2], strides: [2, 2] }, { name: 'pool1' });
  m.node('Conv', ['pool1', 'conv2.weight', 'conv2.bias'], ['conv2'], conv, { name: 'conv2' });
  m.node('Relu', ['conv2'], ['relu2'], {}, { name: 'relu2' });
  m.node('GlobalAveragePool', ['relu2'], ['gap'], {}, { name: 'gap' });
  m.node('Flatten', ['gap'], ['features'], { axis: 1 }, { name: 'flatten' });
  const gemm = { alpha: attr.float(1), beta: attr.float(1), transB: 1 };
  m.node('Gemm', ['features', 'fc.weight', 'fc.bias'], ['logits'], gemm, { name: 'fc' });
  m.node('Softmax', ['logits'], [DEMO_CLASSIFIER.output], { axis: 1 }, { name: 'softmax' });
  m.output(DEMO_CLASSIFIER.output, 'float32', ['batch', classes]);
  return m;
}
