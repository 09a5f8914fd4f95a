/**
 * The run store: where runs live on disk. Run folders under a reports root with its `latest` and `last` pointers
 * (run-folder.ts), saved baselines (baselines.ts), and the one atomic file writer every report goes through
 * (files.ts). It knows nothing of how a report looks (report/) or how two runs compare (compare/); both use it.
 */
export { LAST_POINTER, LATEST_POINTER, writeReportFiles, type ReportFile } from './files.ts';
export { checkComplete, createRunFolder, resolveRunFolder } from './run-folder.ts';
export { checkBaselineName, CURRENT_POINTER, DEFAULT_BASELINES_DIR, listBaselines, loadRunReport, resolveRunRef, saveBaseline, type SavedBaseline } from './baselines.ts';
