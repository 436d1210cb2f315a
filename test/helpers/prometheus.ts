/**
 * Reads a /metrics answer with a Prometheus text-format parser, with lookups by sample name and labels
 * for assertions.
 *
 * parse-prometheus-text-format folds every series of a histogram into one (it groups `_bucket`, `_sum`
 * and `_count` only for a histogram without labels), so histograms are read twice: as typed families
 * (names, types, help) and, with their TYPE and HELP lines left out, as the plain `_bucket`, `_sum`
 * and `_count` samples the text format writes them as, each with its own labels.
 */
import parsePrometheusTextFormat, { type ParsedFamily } from 'parse-prometheus-text-format';

export interface Scrape {
  /** Each family as its TYPE line declares it. */
  families: Map<string, ParsedFamily>;
  /** The samples of one name (`x_total`, `x_seconds_count`) whose labels include these. */
  samples(name: string, labels?: Record<string, string>): { labels: Record<string, string>; value: number }[];
  /** A counter's or gauge's value summed over the series with these labels; 0 when none has them. */
  value(name: string, labels?: Record<string, string>): number;
  /** A histogram's observation count summed over the series with these labels. */
  count(name: string, labels?: Record<string, string>): number;
}

export function readScrape(text: string): Scrape {
  const typed = parsePrometheusTextFormat(text);
  const families = new Map(typed.map((f) => [f.name, f]));
  const histograms = typed.filter((f) => f.type === 'HISTOGRAM').map((f) => f.name);
  const untyped = text.replace(/^# (TYPE|HELP) (\S+) .*$/gm, (line, _kind, name: string) =>
    histograms.includes(name) ? '' : line,
  );
  const byName = new Map<string, { labels: Record<string, string>; value: number }[]>();
  for (const family of parsePrometheusTextFormat(untyped)) {
    const list = byName.get(family.name) ?? [];
    for (const m of family.metrics) list.push({ labels: m.labels ?? {}, value: Number(m.value) });
    byName.set(family.name, list);
  }
  const samples: Scrape['samples'] = (name, labels = {}) =>
    (byName.get(name) ?? []).filter((s) => Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  const sum = (list: { value: number }[]) => list.reduce((n, s) => n + s.value, 0);
  return {
    families,
    samples,
    value: (name, labels) => sum(samples(name, labels)),
    count: (name, labels) => sum(samples(`${name}_count`, labels)),
  };
}
