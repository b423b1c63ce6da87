// A message one screen leaves for the next, e.g. "Erased" shown on the candidates list after the
// candidate's page is gone. Read once: `take` clears it.

const pending: { message: string | null } = $state({ message: null });

export function leaveMessage(message: string) {
  pending.message = message;
}

export function takeMessage(): string | null {
  const m = pending.message;
  pending.message = null;
  return m;
}
