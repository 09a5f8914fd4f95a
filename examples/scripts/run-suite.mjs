// Example: run a suite of scenarios from a plain script, as `memopt run examples --quick` does.
//
//   node run-suite.mjs [filter]        in a project that installed memopt
//   node --conditions=memopt-source examples/scripts/run-suite.mjs [filter]     in memopt's repository, where
//                                      `import 'memopt'` must resolve to the TypeScript sources (there is no dist/)
//
// runSuite selects and checks the scenarios (bad input throws, exit code 2, before anything runs), runs them into a
// run folder of their own (reports/runs/<time>-<id>/: summary.csv, run.json, ...) and returns the report and the
// exit code. Ctrl-C aborts the run through an AbortSignal: the folder is marked 'interrupted' and the code is 130.
// This file sits in a subfolder so that `memopt run examples` does not take it for a scenario file.
import { fileURLToPath } from 'node:url';
import { register } from 'tsx/esm/api';

// The example scenarios are TypeScript: tsx's loader lets plain node import them (and memopt's sources in its repository).
register();
const { runSuite, MemoptError } = await import('memopt');

const examples = fileURLToPath(new URL('..', import.meta.url));
const controller = new AbortController();
process.once('SIGINT', () => controller.abort('SIGINT'));

try {
  const outcome = await runSuite({
    scenarios: [examples],
    quick: true,
    filter: process.argv[2], // e.g. own-index: only scenarios whose name contains it
    out: 'reports',
    signal: controller.signal,
    onEvent: (event) => {
      if (event.type === 'scenario-end') console.log(`${event.scenario}: ${event.result.status}`);
    },
    onMessage: (message) => console.log(message.text),
  });
  for (const scenario of outcome.report?.scenarios ?? []) {
    for (const metric of scenario.metrics.filter((m) => m.kind === 'counter' || m.kind === 'ratio')) {
      console.log(`  ${scenario.name} ${metric.name}: ${metric.baseline} -> ${metric.optimized} ${metric.unit}`);
    }
  }
  console.log(`run ${outcome.status}, exit code ${outcome.exitCode}: ${outcome.runFolder}`);
  // An aborted scenario's work may still be pending: end now (its files are written and marked 'interrupted').
  if (outcome.status === 'interrupted') process.exit(outcome.exitCode);
  process.exitCode = outcome.exitCode;
} catch (error) {
  if (!(error instanceof MemoptError)) throw error;
  console.error(`memopt: ${error.message}`);
  process.exitCode = error.exitCode;
}
