export function KeelMark() {
  return (
    <svg viewBox="0 0 32 32" className="size-8" aria-hidden="true">
      <rect width="32" height="32" rx="8" className="fill-slate-900" />
      <path d="M8 19h16l-3 5H11z" className="fill-sky-400" />
      <path
        d="M16 6v11M16 8l6 8h-6"
        className="fill-none stroke-white"
        strokeWidth="2"
        strokeLinejoin="round"
      />
    </svg>
  );
}
