// Reads a narrow slice of the session state; the component re-renders only when that slice
// changes (shallow comparison, so selectors may return fresh arrays/objects of stable parts).
import { useStore } from 'zustand';
import { useShallow } from 'zustand/react/shallow';
import type { SessionState } from '../../state/index.js';
import { useTui } from '../context.js';

export function useSession<T>(selector: (s: SessionState) => T): T {
  const { session } = useTui();
  return useStore(session.state, useShallow(selector));
}
