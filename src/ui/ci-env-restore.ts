// Puts back the CI variables ci-env-hide.ts hid while ink was loading (see there).
import { hiddenCiEnv } from './ci-env-hide.js';

Object.assign(process.env, hiddenCiEnv);
