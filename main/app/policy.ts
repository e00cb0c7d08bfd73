// The app's security decisions as pure functions, so unit tests pin them down. hardening.ts and
// main.ts apply them to Electron's events. No electron import.
import { APP_ORIGIN, APP_SCHEME } from './csp';
import { resolveStaticFile } from './static-files';

/** The app host of the custom scheme: paraphe://app/... */
const APP_HOST = new URL(APP_ORIGIN).host;

function parse(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * A frame may navigate (or be redirected) only within the app origin. Everything else is refused:
 * http(s), file:// (it would give the page the user's files), data:, javascript:, other schemes.
 */
export function isAllowedNavigation(url: string): boolean {
  return isAppUrl(parse(url));
}

/**
 * Scheme and host, not `URL.origin`: Node's URL (unlike Chromium, where the scheme is registered
 * as standard) gives every non-special scheme the opaque origin "null".
 */
function isAppUrl(parsed: URL | null): parsed is URL {
  return parsed !== null && parsed.protocol === `${APP_SCHEME}:` && parsed.host === APP_HOST;
}

/**
 * window.open and target=_blank: always denied. The viewer needs no second window and no external
 * links yet; when PDF links become clickable, open https: URLs with shell.openExternal after the
 * user confirms, and keep denying the new window itself.
 */
export function windowOpenDecision(_url: string): { action: 'deny' } {
  return { action: 'deny' };
}

/**
 * Web permissions (camera, geolocation, notifications, clipboard-read, HID, serial, USB...): all
 * denied. The renderer needs none; copying text uses the Edit menu's roles, which need no
 * permission. Tokens are reached from main through PKCS#11, never through WebUSB/WebHID.
 */
export function isPermissionGranted(_permission: string): boolean {
  return false;
}

export type AppRequestRoute =
  | { kind: 'file'; path: string }
  | { kind: 'error'; status: 404 | 405 };

/**
 * What the app protocol answers for a request: a file of `root` (dist/renderer), or an error.
 * Only GET (the renderer never posts to its own origin), only the `app` host, never a path that
 * escapes `root`.
 */
export function routeAppRequest(method: string, url: string, root: string): AppRequestRoute {
  if (method !== 'GET') return { kind: 'error', status: 405 };
  const parsed = parse(url);
  if (!isAppUrl(parsed)) return { kind: 'error', status: 404 };
  const path = resolveStaticFile(root, parsed.pathname);
  return path === null ? { kind: 'error', status: 404 } : { kind: 'file', path };
}
