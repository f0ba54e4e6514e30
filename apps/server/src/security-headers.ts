import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * The Content-Security-Policy of the web app's pages and worker scripts (a dedicated worker takes the policy of its
 * own script's response, not its page's). What each directive is for: docs/security.md ("Browser headers").
 */
export const APP_POLICY = [
  "default-src 'self'",
  // Our own bundles only: no inline script, no eval. 'wasm-unsafe-eval' lets RDKit and SEAL compile their WASM.
  "script-src 'self' 'wasm-unsafe-eval'",
  "worker-src 'self'",
  // The FHE worker talks to the model server chosen in Settings, which may be another origin (CORS decides there).
  "connect-src 'self' http: https:",
  // data: for the molecule depiction (an SVG shown as an image, so it can never run script) and the empty favicon.
  "img-src 'self' data:",
  "style-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
  "form-action 'none'",
].join('; ');

/**
 * The featurizer worker's policy: RDKit MinimalLib's embind glue builds its function wrappers with `new Function`
 * (it is not built with -sDYNAMIC_EXECUTION=0), so this one worker, which has no DOM, fetches nothing but its own
 * files and only ever evaluates the glue's own strings, gets 'unsafe-eval'. Pages and the FHE worker do not.
 */
export const FEATURIZER_WORKER_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'wasm-unsafe-eval' 'unsafe-eval'",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "object-src 'none'",
  "form-action 'none'",
].join('; ');

/** Everything else (API JSON and frames, errors, WASM, CSS): nothing in it may load or run anything. */
export const RESOURCE_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Vite names the featurizer worker's bundle after its entry: /assets/featurizer.worker-<hash>.js. */
const FEATURIZER_WORKER = /^\/assets\/featurizer\.worker-[\w-]+\.js$/;

/** The policy for a response, by what it is: a document or script of the app, the featurizer worker, or data. */
export function contentSecurityPolicyFor(path: string, contentType: string): string {
  if (contentType.startsWith('text/javascript')) return FEATURIZER_WORKER.test(path) ? FEATURIZER_WORKER_POLICY : APP_POLICY; // prettier-ignore
  return contentType.startsWith('text/html') ? APP_POLICY : RESOURCE_POLICY;
}

/**
 * An onSend hook for every response: no MIME sniffing (a ciphertext is never run as a script), no Referer to other
 * sites, no framing (clickjacking) and the Content-Security-Policy above.
 */
export async function setSecurityHeaders(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  reply.header('x-content-type-options', 'nosniff');
  reply.header('referrer-policy', 'no-referrer');
  reply.header('x-frame-options', 'DENY');
  const path = request.url.split('?', 1)[0] ?? '';
  reply.header('content-security-policy', contentSecurityPolicyFor(path, String(reply.getHeader('content-type') ?? ''))); // prettier-ignore
}
