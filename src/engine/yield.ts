/**
 * Lets the Node event loop run. On the wasm and cpu backends `await tensor.data()` resolves as a
 * microtask, so a loop of tensor steps never reaches the macrotask queue: signal handlers (Ctrl-C),
 * timers and child-process pipes would wait until the whole job ends. Long loops call this at
 * every step boundary.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
