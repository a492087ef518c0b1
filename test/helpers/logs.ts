import { Writable } from 'node:stream';
import { createLogger } from '../../src/platform/logger.ts';

/** A logger at `info` writing its JSON lines into `lines`, for tests that read what was logged. */
export function capturingLogger(lines: Record<string, unknown>[]) {
  const sink = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString().split('\n')) if (line) lines.push(JSON.parse(line));
      done();
    },
  });
  return createLogger('info', sink);
}
