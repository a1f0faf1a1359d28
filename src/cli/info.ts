/** triggerfish info <model-dir>: architecture, sizes, parameter count, dtype, tokenizer and backend. */
import { parameterCount } from '../model/config.js';
import type { Command } from './command.js';
import { jsonOption } from './command.js';
import { flag, onePositional } from './args.js';
import { backendAndModel } from './load.js';
import { forwardEngine } from '../engine/engine.js';
import { onnxThreads } from '../engine/onnx-session.js';

const usage = 'triggerfish info <model-dir> [--json]';

export const infoCommand: Command = {
  name: 'info',
  summary: 'describe a model folder: architecture, sizes, parameters, dtype, backend',
  usage,
  options: { ...jsonOption },
  async run(args, io) {
    const dir = onePositional(args, 'model folder', usage);
    const { backend, model } = await backendAndModel(dir);
    const c = model.config;
    const info = {
      dir: model.dir,
      arch: c.arch,
      layers: c.nLayers,
      dModel: c.dModel,
      heads: c.nHeads,
      kvHeads: c.nKvHeads,
      headDim: c.headDim,
      dFf: c.dFf,
      vocab: c.vocabSize,
      maxPositions: c.maxPositions,
      parameters: parameterCount(c),
      dtype: model.layout?.dtype ?? 'F32',
      tiedEmbeddings: c.tiedEmbeddings,
      tokenizer: model.tokenizer ? { vocab: model.tokenizer.vocabSize, chatTemplate: model.tokenizer.hasChatTemplate } : null,
      backend: backend.name,
      device: backend.device,
      engine: await forwardEngine(),
      threads: onnxThreads(),
    };
    if (flag(args, 'json')) return io.json(info);
    const tok = info.tokenizer ? `${info.tokenizer.vocab} tokens${info.tokenizer.chatTemplate ? ', chat template' : ''}` : 'none';
    io.print(
      [
        `${info.dir}`,
        `  architecture  ${c.arch} · ${c.nLayers} layers · d_model ${c.dModel} · ${c.nHeads} heads (${c.nKvHeads} kv) × ${c.headDim} · d_ff ${c.dFf}`,
        `  vocabulary    ${c.vocabSize} · ${c.maxPositions} positions · ${c.tiedEmbeddings ? 'tied' : 'separate'} output head`,
        `  parameters    ${formatCount(info.parameters)} (${info.parameters}) · stored ${info.dtype}, computed f32`,
        `  tokenizer     ${tok}`,
        `  backend       ${backend.name} (${backend.device}) for gradients`,
        `  engine        ${info.engine === 'onnx' ? `onnx (ONNX Runtime, ${info.threads} thread${info.threads === 1 ? '' : 's'})` : 'tfjs'} for forward passes`,
      ].join('\n'),
    );
  },
};

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)}B`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return String(n);
}
