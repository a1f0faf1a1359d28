/**
 * Runs fuzz cases in one process: each message is an argv for the real CLI's main(), called in-process
 * with stdout and stderr captured, so that a thousand cases do not pay a thousand process starts.
 * The parent kills this process when a case runs past its time or memory limit.
 */
import { main } from '../../src/cli/main.js';

interface Request {
  argv: string[];
}

type Write = typeof process.stdout.write;

async function runOne(argv: string[]): Promise<{ code: number; stdout: string; stderr: string; ms: number }> {
  let stdout = '';
  let stderr = '';
  const realOut = process.stdout.write;
  const realErr = process.stderr.write;
  const capture = (append: (text: string) => void): Write =>
    ((chunk: string | Uint8Array, ...rest: unknown[]) => {
      append(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      const callback = rest.find((r) => typeof r === 'function') as (() => void) | undefined;
      callback?.();
      return true;
    }) as Write;
  process.stdout.write = capture((t) => (stdout += t));
  process.stderr.write = capture((t) => (stderr += t));
  // Commands install SIGINT/SIGTERM handlers for their run; a process runs one command, this one many.
  const before = { SIGINT: process.listeners('SIGINT'), SIGTERM: process.listeners('SIGTERM') };
  const started = performance.now();
  let code: number;
  try {
    code = await main(argv);
  } finally {
    process.stdout.write = realOut;
    process.stderr.write = realErr;
    for (const name of ['SIGINT', 'SIGTERM'] as const) {
      for (const listener of process.listeners(name)) if (!before[name].includes(listener)) process.off(name, listener);
    }
  }
  return { code, stdout, stderr, ms: performance.now() - started };
}

process.on('message', (message: Request) => {
  void runOne(message.argv).then(
    (result) => process.send!(result),
    (err: unknown) => process.send!({ code: 70, stdout: '', stderr: `worker: main() threw ${String(err)}`, ms: 0 }),
  );
});
process.send!({ ready: true });
