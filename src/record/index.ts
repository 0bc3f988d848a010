// Recording sessions: the append-only event log (format v2: hash-chained JSON lines, see
// docs/recording-format.md; v1 still read), redaction before disk, reading recordings back,
// verify, audit, asciicast export and replay.
export { Recorder, type RecorderOptions } from './writer.js';
export { readRecording, RecordingError, type Recording } from './reader.js';
export { createLineEncoderV1, RECORDING_FORMAT, RECORDING_VERSION, type LineEncoder, type RecordedEvent, type RecordingHeader } from './format.js';
export { EventRedactor, StreamRedactor, redactText, REDACTED } from './redact.js';
export { defaultRecordingPath, recordingsDir } from './paths.js';
export { createLineEncoderV2, sha256Hex, CHAIN_VERSION, type ChainedLineEncoder } from './chain.js';
export { summarizeInventory, type HeaderInfo, type InventorySummary, type PreviousRecording, type RecordingHeaderV2 } from './header.js';
export { decodeRecording, SUPPORTED_VERSIONS, type DecodedRecording } from './decode.js';
export { verifyBytes, formatVerifyReport, findUnredactedKeys, VERIFY_EXIT_CODES, type VerifyOutcome, type VerifyReport } from './verify.js';
export { auditRecording, type AuditReport } from './audit.js';
export { auditMarkdown } from './audit-md.js';
export { toAsciicast, recordedNodes } from './asciicast.js';
export { buildReplayIndex, type ReplayIndex } from './replay-index.js';
export { capIdle, atSpeed, clampSpeed } from './timeline.js';
// Replay (replay-source.ts, screens.ts) is imported directly: it loads the terminal emulator.
