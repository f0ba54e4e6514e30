// core's default SEAL loader (`import('node-seal')`) is for Node. The browser always injects its own loader
// (fhe.worker.ts), so the package root resolves here instead of bundling a second, base64-embedded SEAL build.
export default function nodeSealDefaultBuild(): never {
  throw new Error('In the browser, SEAL is loaded by the FHE worker from the cf_worker build');
}
