// Headless mode (`lockstep run --no-tui`, or no TTY): printed events and line prompts.
export { HeadlessFormatter, type HeadlessFormatOptions } from './format.js';
export { answerToIntent, exitCodeFor, runHeadless, type HeadlessOptions } from './driver.js';
