import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpClient } from './http-client.ts';
import { outboundUrlProblem, publicOnlyLookup } from './outbound-url.ts';

describe('outbound URLs chosen by users', () => {
  it.each([
    'http://127.0.0.1/',
    'http://[::1]/',
    'http://[::127.0.0.1]/',
    'http://[::ffff:127.0.0.1]/',
    'http://[::ffff:10.0.0.1]/',
    'http://[64:ff9b::a00:1]/',
    'http://[2002:7f00:1::]/',
    'http://[2001:0:7f00:1::]/',
    'http://198.18.0.1/',
    'http://192.0.0.8/',
    'http://[fd00::1]/',
    'http://localhost/',
  ])('refuses %s', async (url) => {
    expect(await outboundUrlProblem(url, [])).toMatch(/private or loopback/);
  });

  it('lets a public address through, and a private host the configuration allows', async () => {
    expect(await outboundUrlProblem('https://93.184.215.14/hook', [])).toBeNull();
    expect(await outboundUrlProblem('http://localhost:9000/hook', ['localhost'])).toBeNull();
    expect(await outboundUrlProblem('ftp://93.184.215.14/', [])).toBe('must be an http(s) URL');
  });

  describe('when the connection opens (a host that resolves elsewhere by then)', () => {
    let server: Server;
    let port: number;
    const connections: string[] = [];
    beforeAll(async () => {
      server = createServer((_request, response) => response.end('ok'));
      server.on('connection', (socket) => connections.push(String(socket.remotePort)));
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const http = createHttpClient({ retries: 0, timeoutMs: 5000 });

    it('refuses to connect to a private address, opening no connection', async () => {
      const dispatcher = new Agent({ connect: { lookup: publicOnlyLookup([]) } });
      try {
        await expect(http.request({ url: `http://localhost:${port}/`, dispatcher })).rejects.toThrow(
          /localhost resolves to a private or loopback address/,
        );
        expect(connections).toEqual([]);
      } finally {
        await dispatcher.close();
      }
    });

    it('connects where the configuration allows the host', async () => {
      const dispatcher = new Agent({ connect: { lookup: publicOnlyLookup(['localhost']) } });
      try {
        const response = await http.request({ url: `http://localhost:${port}/`, dispatcher });
        expect(response.text).toBe('ok');
      } finally {
        await dispatcher.close();
      }
    });
  });
});
