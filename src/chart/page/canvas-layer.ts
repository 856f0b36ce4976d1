// A chart layer drawn straight onto the price pane's canvas (pens, segments, pivots, merged bars):
// the chart library's series primitive, with positions in bars of the chart (the candle series holds
// every bar, so a bar's position is its logical index) and prices of the candle series' scale.
import type {
  AutoscaleInfo,
  IPrimitivePaneRenderer,
  IPrimitivePaneView,
  ISeriesPrimitive,
  Logical,
  PrimitivePaneViewZOrder,
  SeriesAttachedParameter,
  Time,
} from 'lightweight-charts';

/** Where to draw, in canvas pixels, for the part of the chart in view. */
export interface Projection {
  readonly ctx: CanvasRenderingContext2D;
  /** Canvas x of a bar position (fractions allowed). */
  x(bar: number): number;
  /** Canvas y of a price. */
  y(price: number): number;
  /** Bar positions in view (fractional, may run past the data). */
  readonly from: number;
  readonly to: number;
  /** Canvas pixels per CSS pixel. */
  readonly pixelRatio: number;
}

/** The price range a layer needs in view (bars `from` to `to`), for the price scale's autoscale. */
export type PriceRange = (from: number, to: number) => { min: number; max: number } | null;

export class CanvasLayer implements ISeriesPrimitive<Time> {
  private param: SeriesAttachedParameter<Time> | null = null;
  private readonly views: readonly IPrimitivePaneView[];
  private shown = true;

  constructor(
    zOrder: PrimitivePaneViewZOrder,
    paint: (p: Projection) => void,
    private readonly range?: PriceRange,
  ) {
    const renderer: IPrimitivePaneRenderer = {
      draw: (target) => {
        const param = this.param;
        if (!this.shown || param === null) return;
        const time = param.chart.timeScale();
        const range = time.getVisibleLogicalRange();
        if (range === null) return;
        target.useBitmapCoordinateSpace(({ context, horizontalPixelRatio: hr, verticalPixelRatio: vr }) => {
          paint({
            ctx: context,
            x: (bar) => (time.logicalToCoordinate(bar as Logical) ?? NaN) * hr,
            y: (price) => (param.series.priceToCoordinate(price) ?? NaN) * vr,
            from: range.from,
            to: range.to,
            pixelRatio: hr,
          });
        });
      },
    };
    this.views = [{ zOrder: () => zOrder, renderer: () => renderer }];
  }

  autoscaleInfo(from: Logical, to: Logical): AutoscaleInfo | null {
    const r = this.shown && this.range ? this.range(from, to) : null;
    return r === null ? null : { priceRange: { minValue: r.min, maxValue: r.max } };
  }

  attached(param: SeriesAttachedParameter<Time>): void {
    this.param = param;
  }

  detached(): void {
    this.param = null;
  }

  paneViews(): readonly IPrimitivePaneView[] {
    return this.views;
  }

  get visible(): boolean {
    return this.shown;
  }

  setVisible(v: boolean): void {
    this.shown = v;
    this.param?.requestUpdate();
  }
}
