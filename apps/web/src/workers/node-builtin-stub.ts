// RDKit's emscripten loader mentions node:fs and node:crypto on its Node-only path; the browser build never takes
// that path, so they resolve to this empty module instead of a Vite "externalized" warning.
export default {};
