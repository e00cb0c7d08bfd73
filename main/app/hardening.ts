// App-wide hardening, applied to every webContents and to the default session: navigation only
// within the app origin, no new windows, no <webview>, no web permissions, no downloads.
// The decisions themselves are pure functions in ./policy (unit-tested); this file wires them.
import { app, session } from 'electron';
import type { Session, WebContents } from 'electron';
import { isAllowedNavigation, isPermissionGranted, windowOpenDecision } from './policy';

function guardContents(contents: WebContents): void {
  const refuse = (kind: string) => (event: { url: string; preventDefault(): void }) => {
    if (isAllowedNavigation(event.url)) return;
    event.preventDefault();
    console.warn(`security: ${kind} to ${event.url.slice(0, 200)} refused`);
  };
  // will-frame-navigate covers sub-frames too (the CSP already allows none); file:// is refused
  // like any other origin.
  contents.on('will-navigate', refuse('navigation'));
  contents.on('will-frame-navigate', refuse('frame navigation'));
  contents.on('will-redirect', refuse('redirect'));
  // Deny all: the viewer opens no second window and follows no external link yet (see policy.ts).
  contents.setWindowOpenHandler(({ url }) => {
    console.warn(`security: window.open(${url.slice(0, 200)}) refused`);
    return windowOpenDecision(url);
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
}

function guardSession(target: Session): void {
  target.setPermissionRequestHandler((_contents, permission, callback) => callback(isPermissionGranted(permission)));
  target.setPermissionCheckHandler((_contents, permission) => isPermissionGranted(permission));
  target.setDevicePermissionHandler(() => false);
  // Files are written by main (atomic rename), never downloaded by the page.
  target.on('will-download', (event) => event.preventDefault());
}

/** Call once, before the app is ready. */
export function installHardening(): void {
  app.on('web-contents-created', (_event, contents) => guardContents(contents));
  void app.whenReady().then(() => guardSession(session.defaultSession));
}
