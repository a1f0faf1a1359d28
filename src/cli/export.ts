/**
 * triggerfish export onnx|safetensors <model-dir> [--out <dir>] [--dtype F16] [--json]
 *   onnx         the model as ONNX in the layout transformers.js loads from a local folder
 *                (onnx/model.onnx + config + tokenizer files); without --out, into the model folder itself.
 *   safetensors  the weights stored as F32, F16 or BF16 (computation stays f32 either way); without --out
 *                the folder's own weights are replaced (written to a temporary file, then renamed).
 *                The zoo ships F16: half the bytes, and benchmarks/zoo-ship.ts measures that ASR holds.
 */
import { BadInputError } from '../errors.js';
import { saveModel } from '../model/checkpoint.js';
import { exportOnnx } from '../model/onnx-export.js';
import type { FloatDtype } from '../model/safetensors.js';
import type { Command } from './command.js';
import { jsonOption } from './command.js';
import { flag, str } from './args.js';
import { backendAndModel } from './load.js';

const usage = 'triggerfish export onnx <model-dir> [--out <dir>] | export safetensors <model-dir> --dtype <F32|F16|BF16> [--out <dir>]';
const dtypes: readonly FloatDtype[] = ['F32', 'F16', 'BF16'];

export const exportCommand: Command = {
  name: 'export',
  summary: 'write a model as ONNX for transformers.js / ONNX Runtime, or its weights in another dtype',
  usage,
  options: {
    ...jsonOption,
    out: { type: 'string', placeholder: '<dir>', description: 'folder to write (default: the model folder itself)' },
    dtype: { type: 'string', placeholder: '<F32|F16|BF16>', description: 'storage dtype of the weights (export safetensors)' },
  },
  async run(args, io) {
    const [format, dir, ...extra] = args.positionals;
    if ((format !== 'onnx' && format !== 'safetensors') || dir === undefined || extra.length > 0) {
      throw new BadInputError(`expected 'onnx' or 'safetensors' and one model folder; usage: ${usage}`);
    }
    const out = str(args, 'out') ?? dir;
    if (format === 'safetensors') {
      const dtype = str(args, 'dtype')?.toUpperCase();
      if (!dtype || !dtypes.includes(dtype as FloatDtype)) throw new BadInputError(`--dtype must be one of ${dtypes.join(', ')}; usage: ${usage}`);
      const { model } = await backendAndModel(dir);
      await saveModel(model, out, { dtype: dtype as FloatDtype });
      if (flag(args, 'json')) return io.json({ dir: out, dtype });
      return io.print(`wrote ${out}/model.safetensors as ${dtype}`);
    }
    if (str(args, 'dtype') !== undefined) throw new BadInputError(`--dtype is for export safetensors; usage: ${usage}`);
    const { model } = await backendAndModel(dir);
    const { file, bytes } = await exportOnnx(model, out);
    if (flag(args, 'json')) return io.json({ file, bytes, dir: out });
    io.print(`wrote ${file} (${(bytes / 1e6).toFixed(1)} MB); load it with transformers.js from ${out}`);
  },
};
