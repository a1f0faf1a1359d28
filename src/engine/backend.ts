/**
 * Picks the fastest TensorFlow.js backend this machine can run and says which one it got.
 * Order: tensorflow (libtensorflow through tfjs-node-gpu / tfjs-node) > webgpu (Dawn through the
 * `webgpu` package, only with a real GPU adapter) > wasm (the CPU default, SIMD) > cpu (plain JS).
 * TRIGGERFISH_BACKEND=tensorflow|webgpu|wasm|cpu forces one; a forced backend that fails is an error.
 */
import * as tf from '@tensorflow/tfjs-core';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
// tfjs-core's Node build registers no gradients; the @tensorflow/tfjs bundle registers them all into
// tfjs-core's global registry when imported. Training, GCG and MELBO all differentiate.
import '@tensorflow/tfjs';
import { BackendError, BadInputError } from '../errors.js';
import { installFastWasmMatMul } from './wasm-matmul.js';
import { registerMissingWasmKernels } from './wasm-kernels.js';

export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'cpu';
export const backendOrder: readonly BackendName[] = ['tensorflow', 'webgpu', 'wasm', 'cpu'];

export interface BackendReport {
  name: BackendName;
  /** What runs the maths, for status bars: "CPU, wasm SIMD, 1 thread". */
  device: string;
  /** Every backend tried before this one, with why it was skipped. */
  skipped: { name: BackendName; reason: string }[];
}

let current: BackendReport | undefined;

/**
 * Loads and activates a backend. Idempotent: later calls return the first report unless `force`
 * names a different backend.
 */
export async function initBackend(options: { force?: BackendName } = {}): Promise<BackendReport> {
  const force = options.force ?? parseBackendEnv(process.env.TRIGGERFISH_BACKEND);
  if (current && (!force || force === current.name)) return current;
  const skipped: BackendReport['skipped'] = [];
  for (const name of force ? [force] : backendOrder) {
    try {
      const device = await loaders[name]();
      current = { name, device, skipped };
      return current;
    } catch (err) {
      const reason = err instanceof Error ? err.message.split('\n')[0]! : String(err);
      if (force) {
        throw new BackendError(
          `backend '${name}' (forced by TRIGGERFISH_BACKEND or --backend) could not load: ${reason}; ` +
            `unset it to pick automatically`,
        );
      }
      skipped.push({ name, reason });
    }
  }
  throw new BackendError('no TensorFlow.js backend could load; reinstall with npm install');
}

export function parseBackendEnv(value: string | undefined): BackendName | undefined {
  if (value === undefined || value === '') return undefined;
  if ((backendOrder as readonly string[]).includes(value)) return value as BackendName;
  throw new BadInputError(`TRIGGERFISH_BACKEND=${value} is not a backend; use one of ${backendOrder.join(', ')}`);
}

async function activate(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  if (!ok) throw new Error(`tf.setBackend('${name}') returned false`);
  await tf.ready();
}

// Optional packages are imported through a variable so that bundlers and the type checker do not
// require them to be installed.
async function importOptional(name: string): Promise<unknown> {
  return import(name);
}

const loaders: Record<BackendName, () => Promise<string>> = {
  async tensorflow() {
    let lastError: unknown;
    for (const pkg of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
      try {
        await importOptional(pkg);
        await activate('tensorflow');
        return `libtensorflow via ${pkg}`;
      } catch (err) {
        lastError = err;
      }
    }
    throw new Error(
      `neither @tensorflow/tfjs-node-gpu nor @tensorflow/tfjs-node loads (${firstLine(lastError)})`,
    );
  },

  async webgpu() {
    // Dawn prints a warning of its own when Linux has no Vulkan loader: look before loading it.
    if (process.platform === 'linux' && !hasVulkanLoader()) throw new Error('no Vulkan loader (libvulkan.so.1), so no GPU through WebGPU');
    const { create, globals } = (await import('webgpu')) as unknown as {
      create: (flags: string[]) => GPU;
      globals: Record<string, unknown>;
    };
    const gpu = create([]);
    const adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
    if (!adapter) throw new Error('no WebGPU adapter (no GPU, or no Vulkan loader)');
    const info = (adapter as GPUAdapter & { info?: GPUAdapterInfo }).info;
    const description = [info?.vendor, info?.architecture, info?.device, info?.description]
      .filter((part) => part)
      .join(' ');
    // A software adapter (SwiftShader, lavapipe) is slower than wasm: treat it as no GPU.
    if (/swiftshader|llvmpipe|lavapipe|software/i.test(description)) {
      throw new Error(`only a software WebGPU adapter (${description})`);
    }
    Object.assign(globalThis, globals);
    Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
    await import('@tensorflow/tfjs-backend-webgpu');
    await activate('webgpu');
    return `GPU, WebGPU (${description || 'unknown adapter'})`;
  },

  async wasm() {
    await import('@tensorflow/tfjs-backend-wasm');
    await activate('wasm');
    registerMissingWasmKernels();
    installFastWasmMatMul();
    const simd = tf.env().getBool('WASM_HAS_SIMD_SUPPORT');
    return `CPU, wasm${simd ? ' SIMD' : ''}, 1 thread`;
  },

  async cpu() {
    await import('@tensorflow/tfjs-backend-cpu');
    await activate('cpu');
    return 'CPU, plain JavaScript';
  },
};

const vulkanDirs = ['/usr/lib/x86_64-linux-gnu', '/usr/lib/aarch64-linux-gnu', '/usr/lib64', '/usr/lib', '/usr/local/lib', '/lib/x86_64-linux-gnu'];

function hasVulkanLoader(): boolean {
  const extra = (process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean);
  return [...extra, ...vulkanDirs].some((dir) => existsSync(join(dir, 'libvulkan.so.1')));
}

function firstLine(err: unknown): string {
  return err instanceof Error ? err.message.split('\n')[0]! : String(err);
}
