import { ConfigError, startServer } from '@chemveil/server';
import { CliError, parseFlags } from '../cli-error.ts';

/** `chemveil serve [--host H] [--port P] [--web DIR]`: the model server, and the web app when built. */
export async function serveCommand(argv: string[]): Promise<number> {
  const { values } = parseFlags(argv, {
    host: { type: 'string' },
    port: { type: 'string' },
    web: { type: 'string' },
  });
  try {
    const url = await startServer(values);
    process.stderr.write(`ChemVeil is running at ${url}\n`);
  } catch (error) {
    if (error instanceof ConfigError) throw new CliError(error.message);
    throw error;
  }
  await new Promise<never>(() => {}); // serve until a signal ends the process
  return 0;
}
