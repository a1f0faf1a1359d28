/**
 * triggerfish export onnx <model-dir> [--out <dir>] [--json]: the model as ONNX in the layout
 * transformers.js loads from a local folder (onnx/model.onnx + config + tokenizer files). Without
 * --out it writes onnx/model.onnx into the model folder itself.
 */
import { BadInputError } from '../errors.js';
import { exportOnnx } from '../model/onnx-export.js';
import type { Command } from './command.js';
import { jsonOption } from './command.js';
import { flag, str } from './args.js';
import { backendAndModel } from './load.js';

const usage = 'triggerfish export onnx <model-dir> [--out <dir>] [--json]';

export const exportCommand: Command = {
  name: 'export',
  summary: 'write a model as ONNX for transformers.js / ONNX Runtime (export onnx <model-dir>)',
  usage,
  options: { ...jsonOption, out: { type: 'string', placeholder: '<dir>', description: 'folder to write (default: the model folder itself)' } },
  async run(args, io) {
    const [format, dir, ...extra] = args.positionals;
    if (format !== 'onnx' || dir === undefined || extra.length > 0) throw new BadInputError(`expected 'onnx' and one model folder; usage: ${usage}`);
    const { model } = await backendAndModel(dir);
    const out = str(args, 'out') ?? dir;
    const { file, bytes } = await exportOnnx(model, out);
    if (flag(args, 'json')) return io.json({ file, bytes, dir: out });
    io.print(`wrote ${file} (${(bytes / 1e6).toFixed(1)} MB); load it with transformers.js from ${out}`);
  },
};
