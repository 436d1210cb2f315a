/** Signing out in one tab signs out every tab of this browser: they share the refresh cookie. */
const channelName = 'keel-session';

export function announceSignOut(): void {
  if (typeof BroadcastChannel === 'undefined') return;
  const channel = new BroadcastChannel(channelName);
  channel.postMessage('signed-out');
  channel.close();
}

export function listenForSignOutElsewhere(onSignOut: () => void): () => void {
  if (typeof BroadcastChannel === 'undefined') return () => {};
  const channel = new BroadcastChannel(channelName);
  channel.onmessage = (event) => {
    if (event.data === 'signed-out') onSignOut();
  };
  return () => channel.close();
}
