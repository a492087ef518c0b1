import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** The environment for a child Laurel process: nothing inherited that could point it elsewhere. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  return { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'warn', ...env };
}

/** Runs the `laurel` CLI (the same entry as `npx laurel`) to completion. */
export async function runCli(args: string[], env: Record<string, string>, input?: string): Promise<Finished> {
  const child = spawn(process.execPath, ['bin/laurel.js', ...args], { cwd: ROOT, env: childEnv(env) });
  child.stdin.end(input ?? '');
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code, signal] = (await once(child, 'close')) as [number | null, NodeJS.Signals | null];
  return { code, signal, stdout, stderr };
}

export interface RunningServer {
  child: ChildProcess;
  url: string;
  /** Sends a signal and waits for the process to end. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }>;
}

/**
 * Starts `src/main.ts` (what `npm start` runs), or another server script, on a free port and waits
 * until it listens.
 */
export async function startServer(
  env: Record<string, string>,
  timeoutMs = 20_000,
  { script = 'src/main.ts', nodeArgs = [] }: { script?: string; nodeArgs?: string[] } = {},
): Promise<RunningServer> {
  const child = spawn(process.execPath, [...nodeArgs, script], {
    cwd: ROOT,
    env: childEnv({ PORT: '0', LOG_LEVEL: 'info', ...env }),
  });
  let output = '';
  const exited = once(child, 'exit');
  const url = await new Promise<string>((resolve, reject) => {
    // A server that never says it listens is stopped, not left running after the caller gives up.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`server did not start:\n${output}`));
    }, timeoutMs);
    let listening = false;
    const onData = (chunk: Buffer) => {
      // Kept only until it listens: a busy server's log lines would pile up in this process, and
      // cost a benchmark's load generator as much as they cost the server.
      if (listening) return;
      output += chunk.toString();
      const match = /Server listening at (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match?.[1]) {
        listening = true;
        output = '';
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening:\n${output}`));
    });
  });
  return {
    child,
    url,
    async stop(signal = 'SIGTERM') {
      const started = Date.now();
      child.kill(signal);
      const [code, exitSignal] = (await exited) as [number | null, NodeJS.Signals | null];
      return { code, signal: exitSignal, ms: Date.now() - started };
    },
  };
}

/** GET with an explicit Host header (fetch does not let a caller set one): status, content type, body. */
export async function getTextWithHost(
  url: string,
  host: string,
): Promise<{ status: number; type: string; body: string }> {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    const req = request(url, { headers: { host } }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? '', body }),
      );
    });
    req.on('error', reject);
    req.end();
  });
}

/** GET a JSON answer with an explicit Host header. */
export async function getWithHost(url: string, host: string): Promise<{ status: number; json: unknown }> {
  const { status, body } = await getTextWithHost(url, host);
  return { status, json: JSON.parse(body) as unknown };
}
