/** One usage graph drawn by uPlot (a chunk of its own with the usage tab), sized to its container. */
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { formatValue, type AlignedColumns, type ChartSpec } from './series.ts';

const height = 170;

let canvasSupport: boolean | undefined;
/** Whether this browser draws on a 2D canvas (a browser without it, or a test DOM, gets the summary alone). */
function canDraw(): boolean {
  try {
    canvasSupport ??= document.createElement('canvas').getContext('2d') !== null;
  } catch {
    canvasSupport = false;
  }
  return canvasSupport;
}

export function UsageChart({ spec, data }: { spec: ChartSpec; data: AlignedColumns }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);

  useEffect(() => {
    const el = box.current;
    if (!el || !canDraw()) return;
    const chart = new uPlot(
      {
        width: Math.max(200, el.clientWidth),
        height,
        legend: { show: spec.lines.length > 1 },
        cursor: { drag: { x: false, y: false } },
        scales: {
          y: { range: (_u, _min, max) => [0, spec.unit === 'percent' ? Math.max(100, max) : max * 1.1 || 1] },
        },
        axes: [
          { stroke: '#64748b', grid: { stroke: '#e2e8f0' } },
          {
            stroke: '#64748b',
            grid: { stroke: '#e2e8f0' },
            size: 70,
            values: (_u, ticks) => ticks.map((t) => formatValue(t, spec.unit)),
          },
        ],
        series: [
          {},
          ...spec.lines.map((line) => ({
            label: line.label,
            stroke: line.colour,
            width: 1.5,
            fill: `${line.colour}22`,
            value: (_u: uPlot, v: number | null) => (v === null ? '—' : formatValue(v, spec.unit)),
          })),
        ],
      },
      data,
      el,
    );
    plot.current = chart;
    const resize = new ResizeObserver(() => chart.setSize({ width: Math.max(200, el.clientWidth), height }));
    resize.observe(el);
    return () => {
      resize.disconnect();
      chart.destroy();
      plot.current = null;
    };
  }, [spec]);

  useEffect(() => {
    plot.current?.setData(data);
  }, [data]);

  return <div ref={box} data-testid={`usage-chart-${spec.id}`} className="w-full" />;
}
