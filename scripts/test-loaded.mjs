// `npm run test:loaded [-- --runs N] [-- --only e2e|unit]`: the test suites with two CPU-bound processes running
// beside them, N times in a row (default 3), stopping at the first failure. Proves the tests wait on what the app
// reports, not on how fast this machine happens to be. Not part of `npm test`.
import { spawn, spawnSync } from 'node:child_process';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const runs = Number(option('runs', '3'));
const only = option('only', 'all');
const suites = { unit: ['run', 'test:unit'], e2e: ['run', 'e2e'] };
const chosen = only === 'all' ? Object.keys(suites) : [only];

// Two busy loops, each pinning a core for as long as the tests run.
const burners = [0, 1].map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
let failed = false;
try {
  for (let run = 1; run <= runs && !failed; run++) {
    for (const suite of chosen) {
      const started = Date.now();
      const result = spawnSync('npm', suites[suite], { stdio: 'inherit' });
      const seconds = Math.round((Date.now() - started) / 1000);
      console.log(
        `test:loaded run ${run}/${runs}, ${suite}: ${result.status === 0 ? 'passed' : 'FAILED'} in ${seconds} s`,
      );
      if (result.status !== 0) {
        failed = true;
        break;
      }
    }
  }
} finally {
  for (const burner of burners) burner.kill('SIGKILL');
}
process.exit(failed ? 1 : 0);
