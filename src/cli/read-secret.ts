import { createInterface } from 'node:readline';

/** Reads a secret: the first line of stdin when piped, or a prompt that does not echo on a terminal. */
export async function readSecret(prompt: string): Promise<string> {
  const input = process.stdin;
  if (!input.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of input) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '';
  }
  const rl = createInterface({ input, output: process.stdout, terminal: true });
  const muted = rl as unknown as { _writeToOutput: (text: string) => void; output: NodeJS.WriteStream };
  process.stdout.write(prompt);
  muted._writeToOutput = () => {};
  return new Promise((resolve) => {
    rl.question('', (answer) => {
      rl.close();
      process.stdout.write('\n');
      resolve(answer);
    });
  });
}
