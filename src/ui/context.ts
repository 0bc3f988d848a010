// What every component may read: the session store (state + pane screens), the charset and the
// mode. Provided once by <App>.
import { createContext, useContext } from 'react';
import type { SessionStore } from '../state/index.js';
import type { Charset } from './charset.js';
import type { TuiMode } from './start-options.js';

export interface TuiContextValue {
  session: SessionStore;
  charset: Charset;
  mode: TuiMode;
  readOnly: boolean;
}

export const TuiContext = createContext<TuiContextValue | null>(null);

export function useTui(): TuiContextValue {
  const value = useContext(TuiContext);
  if (!value) throw new Error('useTui outside <App>');
  return value;
}
