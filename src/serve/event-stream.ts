/** Server-sent events on a raw reply: one `event:`/`data:` message a call, a comment now and then so that idle connections stay open. */
import type { FastifyReply, FastifyRequest } from 'fastify';

const KEEPALIVE_MS = 20_000;

export interface EventStream {
  send(event: string, data: unknown): void;
  onClose(listener: () => void): void;
  end(): void;
}

export function openEventStream(request: FastifyRequest, reply: FastifyReply, headers: Record<string, string>): EventStream {
  reply.hijack();
  const res = reply.raw;
  res.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.flushHeaders();
  // Without it Node waits ~40 ms to fill a packet: an epoch would reach the page late.
  res.socket?.setNoDelay(true);
  const keepalive = setInterval(() => res.write(': keepalive\n\n'), KEEPALIVE_MS);
  const closers: (() => void)[] = [];
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    clearInterval(keepalive);
    for (const closer of closers) closer();
  };
  request.raw.on('close', close);
  res.on('close', close);
  return {
    send: (event, data) => {
      if (!closed) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    },
    onClose: (listener) => closers.push(listener),
    end: () => {
      close();
      res.end();
    },
  };
}
