/**
 * Gathers concurrent calls into batches. A call made while fewer than `concurrency` batches run
 * starts a batch at once (so batching adds no wait when the service is quiet); calls made while
 * they all run wait and go together, up to `maxSize`, in the next one. Under load this turns many
 * small transactions into a few large ones. `run` answers every item in order, failures included.
 */
export function createBatcher<I, O>(
  run: (items: I[]) => Promise<O[]>,
  options: { maxSize: number; concurrency: number },
): (item: I) => Promise<O> {
  const waiting: { item: I; resolve: (outcome: O) => void; reject: (error: unknown) => void }[] = [];
  let running = 0;

  function next(): void {
    if (running >= options.concurrency || waiting.length === 0) return;
    const batch = waiting.splice(0, options.maxSize);
    running += 1;
    run(batch.map(({ item }) => item))
      .then(
        (outcomes) => batch.forEach(({ resolve }, i) => resolve(outcomes[i] as O)),
        (error: unknown) => batch.forEach(({ reject }) => reject(error)),
      )
      .finally(() => {
        running -= 1;
        next();
      });
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      waiting.push({ item, resolve, reject });
      next();
    });
}
