// The kinds of step work. Each module runs one kind on all its nodes at once and reports
// through the StepContext's events: shell blocks (run), file writes with diff, verify gates,
// SAN-check gates, and rollback of a step (rollback blocks, then files restored).
export { pause, type NodeOutcome, type StepContext } from './context.js';
export { failureReason, runBlock, runOnNode, scriptFor, type NodeRun } from './run-block.js';
export { judgeAttempt, runVerifyGate } from './verify-gate.js';
export { fileDiff, type FileDiff } from './file-diff.js';
export { FileJournal, type FileBackup } from './file-journal.js';
export { runFileBlock } from './file-write.js';
export { BackupError, backupDir, DEFAULT_BACKUP_ROOT, loadBackup, restoreBackup, sha256Hex, storeBackup, type BackupConfig, type StoredBackup } from './file-backup.js';
export { checkRecordedBackups, rollbackStep } from './rollback.js';
export { runSanCheckGate, type SanChecker, type SanCheckResult } from './san-check.js';
