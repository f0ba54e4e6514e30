import { featurizeCommand } from './commands/featurize.ts';
import { serveCommand } from './commands/serve.ts';
import { modelsCommand } from './commands/models.ts';
import { queryCommand } from './commands/query.ts';
import { predictCommand } from './commands/predict.ts';
import { importCommand } from './commands/import.ts';
import { trainCommand } from './commands/train.ts';
import { tokenCommand } from './commands/token.ts';
import { CliError } from './cli-error.ts';

type Command = (argv: string[]) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string }> = {
  featurize: {
    run: featurizeCommand,
    summary: 'featurize -i <file|-> [--spec <json>] [--smiles-col COL]   validate molecules, print one JSON line each',
  },
  train: {
    run: trainCommand,
    summary:
      'train --data F.csv --target-col C --task regression|classification [--arch A] [--split random|scaffold] [--seed S] -o BUNDLE',
  },
  import: {
    run: importCommand,
    summary:
      'import MODEL.onnx (--sidecar META.json | --name N --spec JSON --task T) -o BUNDLE   convert a PyTorch model',
  },
  serve: {
    run: serveCommand,
    summary:
      'serve [--models DIR] [--host H] [--port P] [--workers N] [--cors ORIGINS] [--web DIR] [--mask-bits B]   run the model server and the web app',
  },
  models: {
    run: modelsCommand,
    summary: "models [--server URL] [--token T] [--json]                list a server's models and their cards",
  },
  query: {
    run: queryCommand,
    summary:
      'query --server URL [--token T] --model ID -i INPUT -o OUT.csv   encrypted predictions for a file of molecules',
  },
  token: {
    run: tokenCommand,
    summary:
      'token ACCOUNT                                              mint an API token for a server with CHEMVEIL_TOKENS',
  },
  predict: {
    run: predictCommand,
    summary:
      'predict --model ID|BUNDLE [--models DIR] -i INPUT -o OUT.csv   the same predictions in plaintext, locally',
  },
};

function usage(): string {
  const lines = Object.values(COMMANDS).map((c) => `  chemveil ${c.summary}`);
  return [
    'ChemVeil: private molecular property prediction with homomorphic encryption.',
    '',
    'Usage:',
    ...lines,
    '',
  ].join('\n');
}

/** Runs one CLI invocation; returns the exit code (0 ok, 1 failed, 2 bad usage). */
export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS[name];
  if (!command) {
    process.stderr.write(`chemveil: unknown command "${name}"\n\n${usage()}`);
    return 2;
  }
  try {
    return await command.run(rest);
  } catch (error) {
    if (error instanceof CliError) {
      process.stderr.write(`chemveil ${name}: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
