// The renderer's Content-Security-Policy. Served as a response header by the app protocol (and by
// the browser test harness) and repeated in renderer/index.html's meta tag; a unit test keeps the
// two identical. No inline script or style, no eval; 'wasm-unsafe-eval' lets pdf.js run its wasm
// image decoders (JPEG 2000, JBIG2); fonts, cMaps and the worker come from our own origin.
const DIRECTIVES = [
  "default-src 'none'",
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "worker-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "object-src 'none'",
];

export const CONTENT_SECURITY_POLICY = DIRECTIVES.join('; ');

/** The same policy for the <meta> tag, where browsers ignore (and warn about) frame-ancestors. */
export const META_CONTENT_SECURITY_POLICY = DIRECTIVES.filter((d) => !d.startsWith('frame-ancestors')).join('; ');

/** The custom scheme the renderer is served from (a real origin, unlike file://). */
export const APP_SCHEME = 'paraphe';
export const APP_ORIGIN = `${APP_SCHEME}://app`;
