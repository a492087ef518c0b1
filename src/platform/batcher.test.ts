import { describe, expect, it } from 'vitest';
import { createBatcher } from './batcher.ts';

/** A runner whose batches finish only when the test says so. */
function controlledRunner() {
  const batches: { items: number[]; finish: (error?: Error) => void }[] = [];
  const run = (items: number[]) =>
    new Promise<string[]>((resolve, reject) => {
      batches.push({
        items,
        finish: (error) => (error ? reject(error) : resolve(items.map((item) => `done ${item}`))),
      });
    });
  return { batches, run };
}

const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('createBatcher', () => {
  it('runs a lone call at once, and gathers calls made meanwhile into the next batch', async () => {
    const { batches, run } = controlledRunner();
    const call = createBatcher(run, { maxSize: 10, concurrency: 1 });
    const first = call(1);
    await settle();
    expect(batches.map((b) => b.items)).toEqual([[1]]);
    const waiting = [call(2), call(3), call(4)];
    await settle();
    expect(batches).toHaveLength(1);
    batches[0]?.finish();
    expect(await first).toBe('done 1');
    await settle();
    expect(batches.map((b) => b.items)).toEqual([[1], [2, 3, 4]]);
    batches[1]?.finish();
    expect(await Promise.all(waiting)).toEqual(['done 2', 'done 3', 'done 4']);
  });

  it('keeps batches within the size and runs up to `concurrency` of them at once', async () => {
    const { batches, run } = controlledRunner();
    const call = createBatcher(run, { maxSize: 2, concurrency: 2 });
    const calls = [1, 2, 3, 4, 5, 6].map((item) => call(item));
    await settle();
    expect(batches.map((b) => b.items)).toEqual([[1], [2]]);
    batches[0]?.finish();
    await settle();
    expect(batches.map((b) => b.items)).toEqual([[1], [2], [3, 4]]);
    for (let i = 1; i < 5; i++) {
      batches[i]?.finish();
      await settle();
    }
    expect(batches.map((b) => b.items)).toEqual([[1], [2], [3, 4], [5, 6]]);
    expect(await Promise.all(calls)).toEqual([1, 2, 3, 4, 5, 6].map((item) => `done ${item}`));
  });

  it('fails only the calls of a batch that fails, and goes on with the next', async () => {
    const { batches, run } = controlledRunner();
    const call = createBatcher(run, { maxSize: 10, concurrency: 1 });
    const failing = call(1);
    const later = call(2);
    await settle();
    batches[0]?.finish(new Error('database refused'));
    await expect(failing).rejects.toThrow('database refused');
    await settle();
    batches[1]?.finish();
    expect(await later).toBe('done 2');
  });
});
