/**
 * The page's one connection for updates: server-sent events. The server sends a snapshot first (and
 * again after a reconnect, so a page that lost its connection catches up), then each change as it
 * happens. No polling.
 */
export function follow(url: string, handlers: Record<string, (data: any) => void>, onRefused?: () => void): EventSource {
  const source = new EventSource(url);
  const badge = document.getElementById('connection');
  source.onopen = () => {
    if (badge) {
      badge.textContent = 'live';
      badge.className = 'connection live';
    }
  };
  source.onerror = () => {
    // Closed for good: the server answered, but not with a stream (no such sweep). Otherwise the
    // browser tries again by itself.
    const refused = source.readyState === EventSource.CLOSED;
    if (badge) {
      badge.textContent = refused ? 'not found' : 'reconnecting…';
      badge.className = 'connection lost';
    }
    if (refused) onRefused?.();
  };
  for (const [event, handle] of Object.entries(handlers)) {
    source.addEventListener(event, (e) => {
      if (event === 'snapshot') performance.mark('convsweep:snapshot');
      handle(JSON.parse((e as MessageEvent).data));
    });
  }
  // Leaving the page closes it at once, so a browser's few connections a server are never used up.
  addEventListener('pagehide', () => source.close());
  return source;
}
