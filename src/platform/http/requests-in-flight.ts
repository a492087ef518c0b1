import type { FastifyInstance, FastifyRequest } from 'fastify';

const RUNNING = Symbol('request running');
type Tracked = FastifyRequest & { [RUNNING]?: boolean };

/**
 * Requests whose handling has not finished, so that shutdown can wait for them before closing what
 * they use. Fastify's close waits for open connections only, and a client that disconnects does not
 * stop its request's handler: without this, the database could be closed under a handler still
 * writing. A request is done once its reply is on its way (`onSend`, which runs for every reply,
 * errors included, even when nobody is left to read it).
 */
export function trackRequestsInFlight(app: FastifyInstance) {
  let running = 0;
  const idle = new Set<() => void>();
  const finished = (request: Tracked) => {
    if (!request[RUNNING]) return;
    request[RUNNING] = false;
    if (--running === 0) for (const resolve of idle) resolve();
  };
  app.addHook('onRequest', (request: Tracked, _reply, done) => {
    request[RUNNING] = true;
    running++;
    done();
  });
  app.addHook('onSend', (request: Tracked, _reply, payload, done) => {
    finished(request);
    done(null, payload);
  });
  // For a reply that ends without onSend (a request Fastify gives up on).
  app.addHook('onResponse', (request: Tracked, _reply, done) => {
    finished(request);
    done();
  });

  return {
    /** Resolves once no request is running (true), or after `timeoutMs` with some still running (false). */
    settled(timeoutMs: number): Promise<boolean> {
      if (running === 0) return Promise.resolve(true);
      return new Promise((resolve) => {
        const done = (all: boolean) => {
          idle.delete(onIdle);
          clearTimeout(timer);
          resolve(all);
        };
        const onIdle = () => done(true);
        const timer = setTimeout(() => done(false), timeoutMs);
        idle.add(onIdle);
      });
    },
  };
}

export type RequestsInFlight = ReturnType<typeof trackRequestsInFlight>;
