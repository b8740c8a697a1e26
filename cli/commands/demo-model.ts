// `onnxfleet demo-model OUT.onnx`: writes the built-in demo classifier, a model every fresh clone can run.
import { writeFile } from 'node:fs/promises';
import { Command } from 'commander';
import { buildDemoClassifier, DEMO_CLASSIFIER } from '../../engine/index.js';
import { nonNegativeInt, positiveInt } from '../arguments.js';

async function writeDemoModel(out: string, flags: { seed: number; classes: number }): Promise<void> {
  const bytes = buildDemoClassifier({ seed: flags.seed, classes: flags.classes }).toBytes();
  await writeFile(out, bytes);
  console.log(
    `wrote ${out} (${bytes.byteLength} bytes): ${DEMO_CLASSIFIER.input} float32 [batch, 3, 32, 32] -> ` +
      `${DEMO_CLASSIFIER.output} float32 [batch, ${flags.classes}]`,
  );
}

export function demoModelCommand(): Command {
  return new Command('demo-model')
    .description(
      'write a small CNN classifier with seeded random weights (Conv, Relu, MaxPool, Gemm, Softmax)',
    )
    .argument('<out>', 'where to write the .onnx file')
    .option('--seed <s>', 'weight seed (same seed, same bytes)', nonNegativeInt, 42)
    .option('--classes <n>', 'number of classes', positiveInt, 10)
    .action(writeDemoModel);
}
