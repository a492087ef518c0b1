/** Backslashes and control characters, which some browsers read as slashes or drop. */
// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const UNSAFE_CHARACTERS = /[\\\u0000-\u001f\u007f]/;

/**
 * The page to return to after signing in, only if it is a path on this site: anything that could
 * lead a browser to another origin (`//evil`, `/\evil`, `https://evil`, encoded or with control
 * characters) falls back to `/`.
 */
export function safeNext(value: unknown, fallback = '/'): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2000) return fallback;
  if (!value.startsWith('/') || value.startsWith('//')) return fallback;
  if (UNSAFE_CHARACTERS.test(value)) return fallback;
  let decoded = value;
  try {
    for (let i = 0; i < 3; i += 1) decoded = decodeURIComponent(decoded);
  } catch {
    return fallback;
  }
  if (decoded.startsWith('//') || UNSAFE_CHARACTERS.test(decoded)) return fallback;
  const base = new URL('http://laurel.invalid');
  const resolved = new URL(value, base);
  if (resolved.origin !== base.origin) return fallback;
  return `${resolved.pathname}${resolved.search}${resolved.hash}`;
}
