/** `cleangpt export onnx`: a trained model as an ONNX file, for onnxruntime or any ONNX consumer. */
import * as fs from 'node:fs';
import { type Command, Option } from 'commander';
import { overwriteOption } from './options.js';

export function registerExportCommands(program: Command): void {
  program
    .command('export')
    .description('export a trained model to another format')
    .command('onnx')
    .description(
      'write a Vanilla or SASP model as ONNX (opset 17, dynamic batch and sequence axes, past key/values)',
    )
    .requiredOption('--model <dir>', 'directory written by `cleangpt train`')
    .requiredOption('--out <file>', 'ONNX file to write')
    .option('--no-past', 'no past key/value inputs and present outputs (a plain forward pass)')
    .addOption(
      new Option('--output <name>', 'what the graph returns')
        .choices(['logits', 'log_probs'])
        .default('logits'),
    )
    .addOption(overwriteOption('replace an existing --out file'))
    .action(async (o) => {
      if (fs.existsSync(o.out) && !o.overwrite) {
        throw new Error(`${o.out} exists; pass --overwrite to replace it`);
      }
      const { initBackend, loadModel, writeOnnx } = await import('../index.js');
      await initBackend({ backend: 'cpu', log: null });
      const model = loadModel(o.model);
      writeOnnx(model, o.out, { pastKeyValues: o.past, output: o.output });
      console.log(
        `wrote ${o.out} (${model.config.model.modelType}, opset 17${o.past ? ', past key/values' : ''}, output ${o.output})`,
      );
    });
}
