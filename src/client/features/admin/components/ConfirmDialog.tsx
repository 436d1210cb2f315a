/** The console's confirmations are the dashboard's shared ones. */
export { ConfirmDialog } from '../../../components/ConfirmDialog.tsx';
