// The one place keys enter the UI. Raw bytes matter: typing into a pane must forward exactly
// what the terminal sent (application cursor keys, Ctrl-C, paste), so we listen to Ink's stdin
// stream of key sequences instead of its pre-parsed useInput.
import { useEffect, useRef } from 'react';
import { useStdin } from 'ink';

export function useRawKeys(handler: (raw: string) => void, isActive = true): void {
  const { internal_eventEmitter: emitter, setRawMode, isRawModeSupported } = useStdin();
  const ref = useRef(handler);
  ref.current = handler;
  useEffect(() => {
    if (!isActive) return;
    if (isRawModeSupported) setRawMode(true);
    const onInput = (data: string): void => ref.current(data);
    emitter.on('input', onInput);
    return () => {
      emitter.off('input', onInput);
      if (isRawModeSupported) setRawMode(false);
    };
  }, [emitter, setRawMode, isRawModeSupported, isActive]);
}
