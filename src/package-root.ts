/**
 * The package root, from src/ (tests, tsx) and dist/ (the built proxy) alike: data files that tsc
 * does not copy (the service catalog, the override table) are read from their place in src/.
 */
export const PACKAGE_ROOT = new URL('../', import.meta.url);
