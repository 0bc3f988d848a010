// Recording sessions: the append-only event log (format v1), redaction before disk, and
// reading recordings back. See format.ts for the line format.
export { Recorder, type RecorderOptions } from './writer.js';
export { readRecording, RecordingError, type Recording } from './reader.js';
export { createLineEncoderV1, RECORDING_FORMAT, RECORDING_VERSION, type LineEncoder, type RecordedEvent, type RecordingHeader } from './format.js';
export { EventRedactor, StreamRedactor, redactText, REDACTED } from './redact.js';
export { defaultRecordingPath, recordingsDir } from './paths.js';
