import type { Child } from "hono/jsx";
import { count, dayShort } from "./format";

const WIDTH = 600;
const HEIGHT = 220;
const LEFT = 44;
const BOTTOM = 26;
const TOP = 10;

/** A round upper bound for the axis: 1, 2 or 5 × a power of ten. */
function niceMax(value: number): number {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  return [1, 2, 5, 10].map((m) => m * power).find((m) => m >= value) ?? value;
}

export interface Stack {
  /** CSS class of the segment's fill. */
  className: string;
  label: string;
  values: number[];
}

interface ChartProps {
  id: string;
  title: string;
  /** One sentence for screen readers: what the chart shows overall. */
  summary: string;
  days: string[];
  stacks: Stack[];
  /** The tooltip of each day's column. */
  tips: string[];
  /** The same figures as a table, shown on request (and to anyone without a mouse). */
  table: Child;
}

/**
 * Columns per day, stacked when there are several series, drawn on the server as SVG. Each day
 * carries a tooltip (SVG `<title>`, and a styled one when the page's script runs); the numbers
 * are also in a table below the chart.
 */
export function DayChart(props: ChartProps) {
  const n = props.days.length;
  const totals = props.days.map((_, i) => props.stacks.reduce((sum, s) => sum + s.values[i]!, 0));
  const max = niceMax(Math.max(0, ...totals));
  const plotWidth = WIDTH - LEFT;
  const plotHeight = HEIGHT - TOP - BOTTOM;
  const column = plotWidth / n;
  const barWidth = Math.max(1, column * 0.72);
  const y = (v: number) => TOP + plotHeight - (v / max) * plotHeight;
  const labelled = new Set([0, Math.floor((n - 1) / 2), n - 1]);
  return (
    <figure class="chart" aria-labelledby={`${props.id}-t`}>
      <h3 id={`${props.id}-t`}>{props.title}</h3>
      <svg viewBox={`0 0 ${WIDTH} ${HEIGHT}`} role="img" aria-label={`${props.title}. ${props.summary}`}>
        <line class="axis" x1={LEFT} x2={WIDTH} y1={y(0)} y2={y(0)} />
        <line class="axis" x1={LEFT} x2={WIDTH} y1={y(max)} y2={y(max)} stroke-dasharray="3 3" />
        <text x={LEFT - 6} y={y(max) + 4} text-anchor="end">
          {count(max)}
        </text>
        <text x={LEFT - 6} y={y(0)} text-anchor="end">
          0
        </text>
        {props.days.map((d, i) => {
          const x = LEFT + i * column + (column - barWidth) / 2;
          let stacked = 0;
          return (
            <g>
              {props.stacks.map((s) => {
                const value = s.values[i]!;
                if (value <= 0) return null;
                const top = y(stacked + value);
                const height = y(stacked) - top;
                stacked += value;
                return (
                  <rect
                    class={s.className}
                    x={x.toFixed(1)}
                    y={top.toFixed(1)}
                    width={barWidth.toFixed(1)}
                    height={height.toFixed(1)}
                  />
                );
              })}
              {labelled.has(i) && (
                <text
                  x={(i === 0 ? LEFT : i === n - 1 ? WIDTH : LEFT + i * column + column / 2).toFixed(1)}
                  y={HEIGHT - 6}
                  text-anchor={i === 0 ? "start" : i === n - 1 ? "end" : "middle"}
                >
                  {dayShort(d)}
                </text>
              )}
              <rect
                x={(LEFT + i * column).toFixed(1)}
                y={TOP}
                width={column.toFixed(1)}
                height={plotHeight}
                fill="transparent"
                data-tip={props.tips[i]}
              >
                <title>{props.tips[i]}</title>
              </rect>
            </g>
          );
        })}
      </svg>
      {props.stacks.length > 1 && (
        <ul class="legend">
          {props.stacks.map((s) => (
            <li>
              <svg width="12" height="12" aria-hidden="true">
                <rect class={s.className} width="12" height="12" />
              </svg>
              {s.label}
            </li>
          ))}
        </ul>
      )}
      <details>
        <summary>Show the numbers</summary>
        {props.table}
      </details>
    </figure>
  );
}
