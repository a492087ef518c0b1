/** The public address of an image asset; its content hash makes it safe to cache for ever. */
export const assetPath = (sha256: string) => `/assets/${sha256}`;
