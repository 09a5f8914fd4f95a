/**
 * scikit-learn's PCA as a peer: one fit in a child /usr/bin/python3 (Debian's python3-numpy and python3-sklearn,
 * OpenBLAS pinned to one thread, as /work/shared/peers/numpy_peer.py pins it), timed around `fit` alone (not the
 * interpreter's start or the file's read), with its mean, axes and variances exported so memopt can measure the
 * recall of its axes. Scripts only.
 */
import { spawnSync } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { PcaModel } from '../../src/parts/vector-index/pca.ts';

export const PYTHON = '/usr/bin/python3';

export type SklearnSolver = 'randomized' | 'full';

export interface SklearnFit {
  /** Seconds inside `PCA(...).fit(X)` (wall clock). */
  seconds: number;
  /** CPU seconds of the process inside the fit (one thread: the wall time a quiet machine would show). */
  cpuSeconds: number;
  model: PcaModel;
}

const CODE = [
  'import os',
  'for v in ("OPENBLAS_NUM_THREADS","OMP_NUM_THREADS","MKL_NUM_THREADS"): os.environ[v]="1"',
  'import sys, time, numpy as np',
  'from sklearn.decomposition import PCA',
  'X = np.fromfile(sys.argv[1], dtype="<f4").reshape(-1, int(sys.argv[2]))',
  'rows = int(sys.argv[8])',
  'X = X[:rows] if rows > 0 else X',
  't0 = time.perf_counter(); c0 = time.process_time()',
  'p = PCA(n_components=int(sys.argv[3]), svd_solver=sys.argv[7], random_state=0).fit(X)',
  'print(f"{time.perf_counter() - t0:.6f} {time.process_time() - c0:.6f}")',
  'p.mean_.astype("<f8").tofile(sys.argv[4]); p.components_.astype("<f4").tofile(sys.argv[5])',
  'np.array(list(p.explained_variance_) + [float(np.sum(np.var(X, axis=0, ddof=1)))], dtype="<f8").tofile(sys.argv[6])',
].join('\n');

/**
 * Fits scikit-learn's PCA with `solver` (random_state 0) on the first `rows` rows of a raw float32 file (all rows
 * when omitted), one thread.
 */
export async function sklearnFit(file: string, dim: number, components: number, solver: SklearnSolver, rows = 0): Promise<SklearnFit> {
  const folder = tmpdir();
  const tag = `${process.pid}-${Date.now()}`;
  const meanFile = join(folder, `memopt-peer-mean-${tag}.f64`);
  const axesFile = join(folder, `memopt-peer-axes-${tag}.f32`);
  const evFile = join(folder, `memopt-peer-ev-${tag}.f64`);
  const result = spawnSync(PYTHON, ['-c', CODE, file, String(dim), String(components), meanFile, axesFile, evFile, solver, String(rows)], {
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`scikit-learn PCA failed (${PYTHON}; needs python3-numpy and python3-sklearn): ${result.stderr || result.error?.message}`);
  const [seconds, cpuSeconds] = result.stdout.trim().split('\n').pop()!.split(' ').map(Number);
  const f64 = async (f: string) => {
    const b = await readFile(f);
    return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  };
  const mean = await f64(meanFile);
  const axesBytes = await readFile(axesFile);
  const axes = new Float32Array(axesBytes.buffer.slice(axesBytes.byteOffset, axesBytes.byteOffset + axesBytes.byteLength));
  const ev = await f64(evFile);
  await Promise.all([meanFile, axesFile, evFile].map((f) => rm(f, { force: true })));
  return { seconds, cpuSeconds, model: { dims: dim, components, mean, axes, eigenvalues: ev.slice(0, components), totalVariance: ev[components] } };
}
