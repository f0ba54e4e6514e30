// Runs `chemveil serve` as a child process on a loopback port: the load and fault tests measure and kill a real
// server, not the test process.
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest, Agent } from 'node:http';
import { fileURLToPath } from 'node:url';
import type { FuzzRequest, FuzzResponse, Send } from './fuzz.ts';

const bin = fileURLToPath(new URL('../packages/cli/bin/chemveil.js', import.meta.url));

export interface ServerProcess {
  url: string;
  child: ChildProcess;
  /** Ends the process: SIGKILL mid-work for fault tests, SIGTERM for a clean stop. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export async function startServerProcess(options: {
  port: number;
  modelsDir: string;
  env?: Record<string, string>;
}): Promise<ServerProcess> {
  // prettier-ignore
  const child = spawn(process.execPath, ['--expose-gc', bin, 'serve', '--port', String(options.port), '--models', options.modelsDir, '--web', ''], {
    // Two malloc arenas: worker threads come and go (recycling), and per-thread arenas keep their pages.
    env: { ...process.env, CHEMVEIL_DIAGNOSTICS: '1', MALLOC_ARENA_MAX: '2', ...options.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  }); // prettier-ignore
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
  const url = `http://127.0.0.1:${options.port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited (${child.exitCode}): ${stderr}`);
    const ok = await fetch(`${url}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server did not start in time: ${stderr}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    child,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill(signal);
      }),
  };
}

export interface MemoryReading {
  rss: number;
  heapUsed: number;
  /** Buffers and ArrayBuffers of the main thread (request bodies, session keys, masks). */
  arrayBuffers: number;
  sessions: number;
  sessionBytes: number;
  workers: { sealHeapBytes: number; jsHeapBytes: number; sessions: number }[];
}

export const readMemory = async (url: string): Promise<MemoryReading> =>
  (await (await fetch(`${url}/diagnostics/memory`)).json()) as MemoryReading;

export const sealHeapOf = (m: MemoryReading): number => m.workers.reduce((a, w) => a + w.sealHeapBytes, 0);

/** The main thread's JS heap and buffers: with the SEAL heaps, everything of the server that can leak. */
export const jsBytesOf = (m: MemoryReading): number => m.heapUsed + m.arrayBuffers;

/**
 * Memory once the server is quiet: no sessions, and two readings 500 ms apart agree (an idle worker may be
 * recycling: the old thread ending, the new one loading the models). Gives up after `timeoutMs` and returns the
 * last reading, so a leak still shows.
 */
export async function quietMemory(url: string, timeoutMs = 20_000): Promise<MemoryReading> {
  const deadline = Date.now() + timeoutMs;
  let previous = await readMemory(url);
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const reading = await readMemory(url);
    const steady =
      reading.sessions === 0 &&
      previous.sessions === 0 &&
      sealHeapOf(reading) === sealHeapOf(previous) &&
      Math.abs(reading.rss - previous.rss) <= 0.02 * previous.rss;
    if (Date.now() > deadline) return reading;
    if (steady) {
      // Settled: the lowest of a few more readings (allocator and collector timing move RSS by a few percent;
      // a leak moves every reading).
      let lowest = reading;
      for (let i = 0; i < 4; i++) {
        await new Promise((resolve) => setTimeout(resolve, 300));
        const next = await readMemory(url);
        if (next.sessions === 0 && next.rss < lowest.rss) lowest = next;
      }
      return lowest;
    }
    previous = reading;
  }
}

/** node:http, so a test can declare any content-length it likes (fetch would refuse). */
export function httpSend(url: string): Send {
  const agent = new Agent({ keepAlive: true, maxSockets: 8 });
  return (request: FuzzRequest) =>
    new Promise<FuzzResponse>((resolve, reject) => {
      const headers: Record<string, string> = { ...request.headers };
      if (request.body && !headers['content-length']) headers['content-length'] = String(request.body.length);
      const req = httpRequest(`${url}${request.url}`, { method: request.method, headers, agent, timeout: 120_000 }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: new Uint8Array(Buffer.concat(chunks)), headers: res.headers as Record<string, string> })); // prettier-ignore
        res.on('error', reject);
      }); // prettier-ignore
      req.on('timeout', () => req.destroy(new Error(`timeout: ${request.method} ${request.url}`)));
      // A server that refuses early (413) may close before the body is written: its answer still arrives; if it
      // does not within a second, report status 0 (a violation the fuzz report shows).
      req.on('error', (error: NodeJS.ErrnoException) => {
        if (error.code !== 'EPIPE' && error.code !== 'ECONNRESET') return reject(error);
        setTimeout(() => resolve({ status: 0, body: new TextEncoder().encode(error.code), headers: {} }), 1000);
      });
      req.end(request.body ? Buffer.from(request.body) : undefined);
    });
}
