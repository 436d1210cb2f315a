/**
 * Turns the API's `fields` map (or a Zod check of the same shared schema on this side) into one message
 * per form field, so each shows under the control it is about. The API names nested fields with dotted
 * paths (`pveTemplates.pve1`, `quota.maxCores`, `dns.0`); a form shows them at the field they start with.
 */
import { describeError } from '../../../lib/errors.ts';

export type FormErrors<K extends string> = Partial<Record<K | 'form', string>>;

/** "is required" → "Slug is required."; a message that is a sentence of its own stays as it is. */
function sentence(label: string, message: string): string {
  const text = /^[A-Z"]/.test(message) && !message.startsWith('"') ? message : `${label} ${message}`;
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/**
 * One message per known field, prefixed with its label. Problems with fields the form does not show
 * are collected under `form`, so nothing the API said is dropped.
 */
export function errorsFromFields<K extends string>(
  fields: Record<string, string>,
  labels: Record<K, string>,
  fieldPrefix = '',
): FormErrors<K> {
  const errors: FormErrors<K> = {};
  const unplaced: string[] = [];
  for (const [path, message] of Object.entries(fields)) {
    const local = fieldPrefix && path.startsWith(fieldPrefix) ? path.slice(fieldPrefix.length) : path;
    const [head = ''] = local.split('.');
    if (Object.hasOwn(labels, head)) {
      const key = head as K;
      errors[key] ??= sentence(labels[key], message);
    } else {
      unplaced.push(sentence(path, message));
    }
  }
  if (unplaced.length) errors.form = unplaced.join(' ');
  return errors;
}

/** The same for issues from a local check with the shared schema (`schema.safeParse(values)`). */
export function errorsFromIssues<K extends string>(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  labels: Record<K, string>,
): FormErrors<K> {
  const fields: Record<string, string> = {};
  for (const issue of issues) fields[issue.path.map(String).join('.')] ??= issue.message;
  return errorsFromFields(fields, labels);
}

/**
 * What a failed call means for the form: per-field messages when the API named fields the form has,
 * otherwise the API's own sentence at the top of the form.
 */
export function errorsFromCall<K extends string>(error: unknown, labels: Record<K, string>): FormErrors<K> {
  const { message, fields } = describeError(error);
  const errors = errorsFromFields(fields, labels);
  const placed = Object.keys(errors).some((key) => key !== 'form');
  if (!placed) return { form: message } as FormErrors<K>;
  return errors;
}

/** True when there is anything to show. */
export function hasErrors(errors: FormErrors<string>): boolean {
  return Object.values(errors).some(Boolean);
}
