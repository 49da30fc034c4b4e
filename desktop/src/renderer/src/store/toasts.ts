/** The toast list: newest last, at most a few at once. */
export type ToastKind = 'error' | 'success';

export interface Toast {
  id: number;
  kind: ToastKind;
  message: string;
}

export const MAX_TOASTS = 3;

/** Adds a toast, dropping the oldest beyond the limit; the same message twice in a row is shown once. */
export function pushToast(toasts: readonly Toast[], toast: Toast): Toast[] {
  const rest = toasts.filter((t) => t.message !== toast.message);
  return [...rest, toast].slice(-MAX_TOASTS);
}

export const dropToast = (toasts: readonly Toast[], id: number): Toast[] => toasts.filter((t) => t.id !== id);
