/**
 * Keel's line icons: one stroked path on a 20-unit grid, in the text colour, hidden from screen readers
 * (the control around it carries the words).
 */
export const linePaths = {
  check: 'M4 10.5l4 4 8-9',
  chevronDown: 'M6 8l4 4 4-4',
} as const;

export function LineIcon({
  path,
  className = 'size-4',
  strokeWidth = 2,
}: {
  path: keyof typeof linePaths;
  className?: string;
  strokeWidth?: number;
}) {
  return (
    <svg viewBox="0 0 20 20" className={className} aria-hidden="true">
      <path
        d={linePaths[path]}
        fill="none"
        stroke="currentColor"
        strokeWidth={strokeWidth}
        strokeLinecap="round"
      />
    </svg>
  );
}
