/**
 * Headers on every dashboard response. The policy allows scripts, styles and connections to
 * this origin only — no inline script, no eval, no inline style attribute, no framing — so even
 * a value that slipped past the page's text rendering could not run. `connect-src 'self'` covers
 * the WebSocket of the same host (CSP Level 3).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

export function pageHeaders(type: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    'content-type': type,
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
    ...extra,
  };
}
