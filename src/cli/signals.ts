/**
 * Ctrl-C and SIGTERM cancel the running job through an AbortSignal, so it can save its state and
 * exit cleanly; a second Ctrl-C exits at once.
 */
export function abortOnSignals(): AbortSignal {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    process.stderr.write('\ninterrupted: saving state (Ctrl-C again to quit at once)\n');
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller.signal;
}
