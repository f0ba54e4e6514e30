import { ConfigError, startServer } from '@chemveil/server';
import { CliError, parseFlags } from '../cli-error.ts';

/**
 * `chemveil serve [--models DIR] [--host H] [--port P] [--workers N] [--cors ORIGINS] [--web DIR] [--mask-bits B]`:
 * the model server (and the web app when built). Models are planned and loaded before it listens.
 */
export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    models: { type: 'string' },
    host: { type: 'string' },
    port: { type: 'string' },
    workers: { type: 'string' },
    cors: { type: 'string' },
    web: { type: 'string' },
    'mask-bits': { type: 'string' },
    log: { type: 'boolean' },
  });
  const { log, ...flags } = values;
  try {
    const url = await startServer(flags, { logger: log });
    process.stderr.write(`ChemVeil is running at ${url}\n`);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
  await new Promise<never>(() => {}); // serve until a signal ends the process
  return 0;
}
