import type { ReactNode } from 'react';

const tones = {
  /** A refusal: announced at once. */
  error: { role: 'alert', colours: 'bg-red-50 text-red-800' },
  /** Done: announced politely. */
  success: { role: 'status', colours: 'bg-emerald-50 text-emerald-900' },
  /** Something to know before going on (the session ended). */
  info: { role: 'status', colours: 'bg-sky-50 text-sky-900' },
} as const;

/**
 * A form's own message, not about one field: what the API refused, or that it is done. Nothing is
 * rendered while there is no message.
 */
export function FormNotice({
  tone,
  children,
  className = '',
}: {
  tone: keyof typeof tones;
  children: ReactNode;
  className?: string;
}) {
  if (!children) return null;
  const { role, colours } = tones[tone];
  return (
    <p role={role} className={`${className} rounded-lg px-3 py-2 text-sm ${colours}`.trim()}>
      {children}
    </p>
  );
}
