// The badge is shared with the operator console; this feature keeps its own import path.
export { StatusBadge } from '../../../components/StatusBadge.tsx';
