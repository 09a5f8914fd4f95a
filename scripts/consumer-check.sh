#!/usr/bin/env bash
# memopt as a user's dependency: packs the package (npm pack, which builds dist/ through prepack), installs the
# tarball into two fresh projects in a temporary folder, one ES module project and one CommonJS project, and in each:
#   npx memopt init && npx memopt run --quick      (only the starter scenarios init wrote)
#   npx tsc --noEmit                                (the starter scenarios and a consumer .ts importing memopt's types)
# The two projects run in parallel.
#   node: import('memopt') (ESM) / require('memopt') and a CommonJS scenario file (CommonJS)
# Installs use the npm cache first (--prefer-offline; the registry is asked only for what the cache lacks).
#
#   bash scripts/consumer-check.sh          (npm run consumer-check)
#
# Exit code: non-zero if any step fails. MEMOPT_CONSUMER_KEEP=1 keeps the temporary folder; MEMOPT_CONSUMER_STRICT=1
# type-checks memopt's .d.ts too (skipLibCheck false, in the ES module project).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
started=$(date +%s)
work=$(mktemp -d "${TMPDIR:-/tmp}/memopt-consumer-XXXXXX")
if [ "${MEMOPT_CONSUMER_KEEP:-}" = "1" ]; then echo "keeping $work"; else trap 'rm -rf "$work"' EXIT; fi
step() { echo "== consumer check ($(($(date +%s) - started)) s): $*"; }

step "npm pack (builds dist/)"
npm pack --silent --pack-destination "$work" >"$work/pack.txt"
tarball="$work/$(tail -n 1 "$work/pack.txt")"
echo "$(basename "$tarball"): $(du -k "$tarball" | cut -f1) KiB"

# The consumer's TypeScript and Node types: the versions memopt itself is checked with (in the npm cache).
ts_version=$(node -p "require('./node_modules/typescript/package.json').version")
types_node_version=$(node -p "require('./node_modules/@types/node/package.json').version")

# A consumer .ts using memopt's types the way a user's own part and script do.
write_consumer_ts() {
  cat >"$1/consumer.ts" <<'EOF'
import { defineScenario, indexCompressionDriver, runSuite, type Embedder, type RunSuiteOptions, type SearchHit, type VectorIndex } from 'memopt';

class TinyIndex implements VectorIndex {
  readonly dimensions: number;
  private readonly rows = new Map<string, ArrayLike<number>>();
  constructor(dimensions: number) {
    this.dimensions = dimensions;
  }
  get size(): number {
    return this.rows.size;
  }
  add(id: string, vector: ArrayLike<number>): void {
    this.rows.set(id, vector);
  }
  remove(id: string): boolean {
    return this.rows.delete(id);
  }
  search(_vector: ArrayLike<number>, k: number): SearchHit[] {
    return [...this.rows.keys()].slice(0, k).map((id) => ({ id, score: 0 }));
  }
  memoryBytes(): number {
    return 0;
  }
}

export const scenario = defineScenario({
  name: 'consumer-types',
  description: 'type-checked only',
  driver: indexCompressionDriver,
  workload: { size: 100, queryCount: 10, sweepWidths: [] },
  baseline: { label: 'flat', params: { index: 'flat' } },
  optimized: { label: 'tiny', factory: ({ dimensions }) => new TinyIndex(dimensions) },
  targets: [{ metric: 'recall_at_10', kind: 'min', min: 0 }],
});

export const options: RunSuiteOptions = { scenarios: ['scenarios'], quick: true };
export const run: typeof runSuite = runSuite;
export type MyEmbedder = Embedder;
EOF
  cat >"$1/tsconfig.json" <<'EOF'
{
  "compilerOptions": {
    "target": "ES2022",
    "module": "NodeNext",
    "moduleResolution": "NodeNext",
    "strict": true,
    "noEmit": true,
    "skipLibCheck": SKIP_LIB_CHECK,
    "types": ["node"]
  },
  "include": ["consumer.ts", "scenarios"]
}
EOF
}

check_project() {
  local kind=$1 type=$2
  local dir="$work/$kind"
  mkdir -p "$dir"
  printf '{ "name": "memopt-consumer-%s", "private": true, "type": "%s" }\n' "$kind" "$type" >"$dir/package.json"
  step "$kind: npm install the tarball, typescript@$ts_version, @types/node@$types_node_version"
  (cd "$dir" && npm install --prefer-offline --no-audit --no-fund --loglevel=error "$tarball" "typescript@$ts_version" "@types/node@$types_node_version" >/dev/null)

  step "$kind: npx memopt init && npx memopt run --quick"
  (cd "$dir" && npx --no-install memopt init && npx --no-install memopt run --quick --out reports)

  write_consumer_ts "$dir"
  if [ "${MEMOPT_CONSUMER_STRICT:-}" = "1" ] && [ "$type" = "module" ]; then
    # skipLibCheck false: memopt's own .d.ts are checked too, and must have no error. Some of memopt's dependencies'
    # .d.ts do not check on their own (pglite's Emscripten types, @energetic-ai's missing @tensorflow types): those
    # errors are counted and shown, not failed on (a consumer's tsc skips them with skipLibCheck, tsc --init's default).
    # Opt-in: it takes about four times as long as the default check.
    step "$kind: npx tsc --noEmit, skipLibCheck false (starter scenarios + consumer.ts + memopt's .d.ts)"
    sed -i 's/SKIP_LIB_CHECK/false/' "$dir/tsconfig.json"
    local rc=0 outside
    (cd "$dir" && npx --no-install tsc --noEmit -p . >"$work/tsc-$kind.txt" 2>&1) || rc=$?
    outside=$(grep -vE '^node_modules/(@electric-sql/pglite|@energetic-ai)/' "$work/tsc-$kind.txt" | grep -c 'error' || true)
    echo "tsc: exit $rc, $(grep -c 'error TS' "$work/tsc-$kind.txt" || true) errors, $outside outside those dependencies' own .d.ts"
    # tsc exits 0 (no error) or 1-2 (errors found); anything else, or an error anywhere else, fails the check.
    if [ "$rc" -gt 2 ] || [ "$outside" -ne 0 ]; then cat "$work/tsc-$kind.txt"; exit 1; fi
  else
    step "$kind: npx tsc --noEmit (starter scenarios + consumer.ts)"
    sed -i 's/SKIP_LIB_CHECK/true/' "$dir/tsconfig.json"
    (cd "$dir" && npx --no-install tsc --noEmit -p .)
  fi

  if [ "$type" = "module" ]; then
    step "$kind: import('memopt') from plain node"
    (cd "$dir" && node --input-type=module -e "const m = await import('memopt'); if (typeof m.runSuite !== 'function') throw new Error('no runSuite'); console.log('import ok:', Object.keys(m).length, 'exports')")
  else
    step "$kind: require('memopt') from plain node, and a CommonJS scenario file"
    (cd "$dir" && node -e "const m = require('memopt'); if (typeof m.runSuite !== 'function') throw new Error('no runSuite'); console.log('require ok:', Object.keys(m).length, 'exports')")
    mkdir -p "$dir/cjs-scenarios/data"
    head -n 20 "$repo/datasets/memories.jsonl" >"$dir/cjs-scenarios/data/memories.jsonl"
    cat >"$dir/cjs-scenarios/commonjs.js" <<'EOF'
// A CommonJS scenario file: require('memopt'), module.exports; its dataset path is relative to this folder.
const { defineScenario, ingestDriver } = require('memopt');

module.exports = defineScenario({
  name: 'commonjs-scenario',
  description: 'a CommonJS scenario with its own data file',
  driver: ingestDriver,
  workload: { size: 20, producers: 4, dataset: 'data/memories.jsonl', measureBatcherOverhead: false },
  endpoint: { rateLimit: false },
  repetitions: { full: 1, quick: 1 },
  baseline: { label: 'naive', params: { embedder: 'naive' } },
  optimized: { label: 'batched', params: { embedder: 'batch', maxBatchSize: 8, maxWaitMs: 5 } },
  targets: [{ metric: 'api_requests', kind: 'reduction', atLeastPct: 50 }],
});
EOF
    # Run from another folder: the relative dataset path must still resolve against the scenario's folder.
    (cd "$dir/reports" && npx --no-install memopt run ../cjs-scenarios/commonjs.js --quick --endpoint-kind in-process --out "$dir/reports")
  fi
}

# The two projects in parallel (most of their time is installing and the scenarios' modelled API latency), each
# with its own log, printed when both are done.
check_project esm module >"$work/esm.log" 2>&1 &
esm_pid=$!
check_project cjs commonjs >"$work/cjs.log" 2>&1 &
cjs_pid=$!
esm=0 cjs=0
wait "$esm_pid" || esm=$?
wait "$cjs_pid" || cjs=$?
for kind in esm cjs; do echo "---- $kind project"; cat "$work/$kind.log"; done
if [ "$esm" -ne 0 ] || [ "$cjs" -ne 0 ]; then
  step "FAILED: ES module project exit $esm, CommonJS project exit $cjs"
  exit 1
fi
step "passed: ESM and CommonJS consumers of $(basename "$tarball") in $(($(date +%s) - started)) s"
