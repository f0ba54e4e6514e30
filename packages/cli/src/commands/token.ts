import { mintToken } from '@chemveil/server';
import { CliError, parseFlags } from '../cli-error.ts';

/**
 * `chemveil token ACCOUNT`: mints an API token for a server started with CHEMVEIL_TOKENS=<file>. The token goes to
 * standard output (hand it to the user once); the line to append to the tokens file, which holds only its hash,
 * goes to standard error.
 */
export async function tokenCommand(argv: string[]): Promise<number> {
  const { positionals } = parseFlags(argv, {});
  if (positionals.length !== 1) throw new CliError('usage: chemveil token ACCOUNT (letters, digits, . _ @ -)');
  let minted;
  try {
    minted = mintToken(positionals[0]!);
  } catch (error) {
    throw new CliError((error as Error).message);
  }
  process.stdout.write(`${minted.token}\n`);
  process.stderr.write(
    `# ${positionals[0]}: append to the CHEMVEIL_TOKENS file (it holds only the hash)\n${minted.line}\n`,
  );
  return 0;
}
