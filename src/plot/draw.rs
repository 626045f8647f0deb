//! Rendering with plotters: a column of two panels (rate above, CV below) per model family,
//! into an SVG string or an RGB buffer encoded as PNG. The font is compiled in
//! (`assets/fonts/DejaVuSans.ttf`, its licence beside it), so no system font is needed.

use std::path::Path;
use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

use super::{Line, PlotError};

/// DejaVu Sans (Bitstream Vera licence, assets/fonts/LICENSE).
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// Okabe and Ito's colour-blind-safe palette, yellow last (it is faint on white).
const COLOURS: [RGBColor; 8] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
    RGBColor(240, 228, 66),
];

/// Lines named in a legend, at most.
const LEGEND: usize = 10;

/// The colour of line `n` of `count`: the palette for a few lines, a sequential (viridis-like)
/// scale for many, so that colour reads as the order of the values.
fn colour(n: usize, count: usize) -> RGBColor {
    if count < COLOURS.len() {
        return COLOURS[n];
    }
    // Viridis at 0, 1/4, 1/2, 3/4, 1 (its ends darkened a little, for white paper).
    const STOPS: [(f64, f64, f64); 5] = [
        (68.0, 1.0, 84.0),
        (59.0, 82.0, 139.0),
        (33.0, 145.0, 140.0),
        (94.0, 201.0, 98.0),
        (220.0, 200.0, 30.0),
    ];
    let t = n as f64 / (count - 1) as f64 * 4.0;
    let i = (t.floor() as usize).min(3);
    let f = t - i as f64;
    let (a, b) = (STOPS[i], STOPS[i + 1]);
    let mix = |p: f64, q: f64| (p + f * (q - p)).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
}

/// The file format, from the output's extension.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Png,
    Svg,
}

impl Format {
    pub fn of(path: &Path) -> Result<Format, PlotError> {
        match path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            Some("png") => Ok(Format::Png),
            Some("svg") => Ok(Format::Svg),
            _ => Err(PlotError(format!(
                "-o {} is not allowed: the figure's name must end in .png or .svg",
                path.display()
            ))),
        }
    }
}

/// One model family's column of the figure.
pub struct Panel {
    pub title: String,
    pub rate: Vec<Line>,
    pub cv: Vec<Line>,
}

/// The axes' labels and scales.
pub struct Axes {
    pub x: String,
    pub y: String,
    pub logx: bool,
    pub logy: bool,
}

/// The figure's bytes.
pub fn render(
    panels: &[Panel],
    axes: &Axes,
    size: (u32, u32),
    format: Format,
) -> anyhow::Result<Vec<u8>> {
    static REGISTER: Once = Once::new();
    REGISTER.call_once(|| {
        plotters::style::register_font("sans-serif", FontStyle::Normal, FONT)
            .unwrap_or_else(|_| panic!("the compiled-in font is valid"));
    });
    let failed = |e: String| PlotError(format!("drawing the figure: {e}"));
    match format {
        Format::Svg => {
            let mut text = String::new();
            {
                let root = SVGBackend::with_string(&mut text, size).into_drawing_area();
                draw(&root, panels, axes).map_err(failed)?;
                root.present().map_err(|e| failed(e.to_string()))?;
            }
            Ok(text.into_bytes())
        }
        Format::Png => {
            let mut rgb = vec![0u8; size.0 as usize * size.1 as usize * 3];
            {
                let root = BitMapBackend::with_buffer(&mut rgb, size).into_drawing_area();
                draw(&root, panels, axes).map_err(failed)?;
                root.present().map_err(|e| failed(e.to_string()))?;
            }
            let mut png = Vec::new();
            let mut encoder = png::Encoder::new(&mut png, size.0, size.1);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder.write_header()?;
            writer.write_image_data(&rgb)?;
            writer.finish()?;
            Ok(png)
        }
    }
}

fn draw<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    panels: &[Panel],
    axes: &Axes,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    root.fill(&WHITE).map_err(e)?;
    let (_, height) = root.dim_in_pixel();
    let (top, bottom) = root.split_vertically(height * 60 / 100);
    let tops = top.split_evenly((1, panels.len()));
    let bottoms = bottom.split_evenly((1, panels.len()));
    for ((panel, up), down) in panels.iter().zip(&tops).zip(&bottoms) {
        // The rate and CV panels share their x axis.
        let all_x = panel
            .rate
            .iter()
            .chain(&panel.cv)
            .flat_map(|l| {
                l.points
                    .iter()
                    .map(|p| p.0)
                    .chain(l.theory.iter().map(|t| t.0))
            })
            .filter_map(|v| scaled(v, axes.logx));
        let x = range(all_x, axes.logx, false);
        chart(
            up,
            &panel.title,
            &panel.rate,
            axes,
            x,
            &axes.y,
            axes.logy,
            true,
        )?;
        // CVs on one scale in every panel: 0 to at least 1 (a Poisson process).
        chart(down, "", &panel.cv, axes, x, "CV of the ISIs", false, false)?;
    }
    Ok(())
}

/// The scale of an axis: the value drawn for a data value.
fn scaled(v: f64, log: bool) -> Option<f64> {
    match log {
        true if v > 0.0 => Some(v.log10()),
        true => None,
        false => Some(v),
    }
}

/// A padded range around `values` (from 0 on a linear axis of non-negative values, if
/// `from_zero`).
fn range(values: impl Iterator<Item = f64>, log: bool, from_zero: bool) -> (f64, f64) {
    let (lo, hi) = values
        .filter(|v| v.is_finite())
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| {
            (l.min(v), h.max(v))
        });
    if !lo.is_finite() {
        return (0.0, 1.0);
    }
    let zero = from_zero && !log && lo >= 0.0;
    let lo = if zero { 0.0 } else { lo };
    let span = if hi > lo { hi - lo } else { lo.abs().max(1.0) };
    (lo - if zero { 0.0 } else { 0.04 * span }, hi + 0.05 * span)
}

#[allow(clippy::too_many_arguments)]
fn chart<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    lines: &[Line],
    axes: &Axes,
    (x0, x1): (f64, f64),
    y_label: &str,
    logy: bool,
    legend: bool,
) -> Result<(), String> {
    let e = |e: DrawingAreaErrorKind<DB::ErrorType>| e.to_string();
    let sx = |v: f64| scaled(v, axes.logx);
    let sy = |v: f64| scaled(v, logy);
    // The data decide the y range; the theory may add half as much again, no more (a
    // diverging theory would flatten the data).
    let data_top = lines
        .iter()
        .flat_map(|l| l.points.iter().map(|p| p.1 + p.2.unwrap_or(0.0)))
        .fold(f64::NEG_INFINITY, f64::max);
    let cap = if data_top.is_finite() && data_top > 0.0 {
        1.5 * data_top
    } else {
        f64::INFINITY
    };
    let all_y = lines
        .iter()
        .flat_map(|l| {
            l.points
                .iter()
                .flat_map(|p| [p.1 - p.2.unwrap_or(0.0), p.1 + p.2.unwrap_or(0.0)])
                .chain(l.theory.iter().map(|t| t.1.min(cap)))
        })
        .filter_map(sy);
    let (y0, y1) = range(all_y, logy, true);
    let y1 = if legend || logy { y1 } else { y1.max(1.05) };
    let mut builder = ChartBuilder::on(area);
    builder
        .margin(10)
        .margin_right(18)
        .x_label_area_size(42)
        .y_label_area_size(58);
    if !title.is_empty() {
        // A long caption gets a smaller font, to fit its panel.
        let width = area.dim_in_pixel().0 as f64;
        let size = (1.9 * width / title.chars().count() as f64).clamp(10.0, 17.0);
        builder.caption(title, ("sans-serif", size));
    }
    let mut chart = builder.build_cartesian_2d(x0..x1, y0..y1).map_err(e)?;
    // On a log axis only the decades are labelled.
    let power = |v: &f64, log: bool| {
        if !log {
            fmt_tick(*v)
        } else if (v - v.round()).abs() < 1e-6 {
            fmt_tick(10f64.powf(v.round()))
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .x_desc(axes.x.as_str())
        .y_desc(y_label)
        .x_label_formatter(&|v| power(v, axes.logx))
        .y_label_formatter(&|v| power(v, logy))
        .label_style(("sans-serif", 13))
        .axis_desc_style(("sans-serif", 15))
        .light_line_style(RGBColor(235, 235, 235))
        .bold_line_style(RGBColor(215, 215, 215))
        .draw()
        .map_err(e)?;
    let clip = |v: f64| v.min(y1).max(y0);
    let mut any_reliable = false;
    let mut any_unreliable = false;
    // A legend of at most LEGEND lines: the first, the last and evenly between.
    let labelled = |n: usize| {
        let count = lines.len();
        count <= LEGEND || (0..LEGEND).any(|k| k * (count - 1) / (LEGEND - 1) == n)
    };
    for (n, line) in lines.iter().enumerate() {
        let colour = colour(n, lines.len());
        // Theory: solid where reliable, dashed where not (each run joined to the next).
        let theory: Vec<(f64, f64, bool)> = line
            .theory
            .iter()
            .filter_map(|&(x, y, ok)| Some((sx(x)?, clip(sy(y)?), ok)))
            .collect();
        let mut start = 0;
        while start + 1 < theory.len() {
            let ok = theory[start].2;
            let mut end = start + 1;
            while end + 1 < theory.len() && theory[end].2 == ok {
                end += 1;
            }
            let run = theory[start..=end].iter().map(|&(x, y, _)| (x, y));
            if ok {
                any_reliable = true;
                chart
                    .draw_series(LineSeries::new(run, colour.stroke_width(2)))
                    .map_err(e)?;
            } else {
                any_unreliable = true;
                chart
                    .draw_series(DashedLineSeries::new(run, 6, 5, colour.stroke_width(2)))
                    .map_err(e)?;
            }
            start = end;
        }
        let points: Vec<(f64, f64, Option<f64>)> = line
            .points
            .iter()
            .filter_map(|&(x, y, s)| Some((sx(x)?, sy(y)?, s)))
            .collect();
        if theory.len() < 2 {
            // No theory line: the data's own, thin.
            chart
                .draw_series(LineSeries::new(
                    points.iter().map(|&(x, y, _)| (x, y)),
                    colour.mix(0.6).stroke_width(1),
                ))
                .map_err(e)?;
        }
        for &(x, y, sem) in &points {
            if let Some(s) = sem.filter(|s| *s > 0.0) {
                // The bar is +-s in data units (on a log axis: the log of value -+ s).
                let value = if logy { 10f64.powf(y) } else { y };
                let lo = sy(value - s).unwrap_or(y0);
                let hi = sy(value + s).unwrap_or(y1);
                chart
                    .draw_series(std::iter::once(PathElement::new(
                        vec![(x, clip(lo)), (x, clip(hi))],
                        colour.stroke_width(1),
                    )))
                    .map_err(e)?;
            }
        }
        let series = chart
            .draw_series(
                points
                    .iter()
                    .map(|&(x, y, _)| Circle::new((x, y), 3, colour.filled())),
            )
            .map_err(e)?;
        if legend && labelled(n) {
            series.label(line.label.clone()).legend(move |(x, y)| {
                EmptyElement::at((x, y))
                    + PathElement::new(vec![(-8, 0), (8, 0)], colour.stroke_width(2))
                    + Circle::new((0, 0), 3, colour.filled())
            });
        }
    }
    if legend && lines.len() > LEGEND {
        chart
            .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
            .map_err(e)?
            .label(format!("({} lines in all, {LEGEND} named)", lines.len()))
            .legend(|(x, y)| EmptyElement::at((x, y)));
    }
    if legend && (any_reliable || any_unreliable) {
        let grey = RGBColor(90, 90, 90);
        if any_reliable {
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                .map_err(e)?
                .label("theory")
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x - 8, y), (x + 8, y)], grey.stroke_width(2))
                });
        }
        if any_unreliable {
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                .map_err(e)?
                .label("theory, outside its validity")
                .legend(move |(x, y)| {
                    EmptyElement::at((x, y))
                        + PathElement::new(vec![(-9, 0), (-3, 0)], grey.stroke_width(2))
                        + PathElement::new(vec![(3, 0), (9, 0)], grey.stroke_width(2))
                });
        }
    }
    if legend && !lines.is_empty() {
        chart
            .configure_series_labels()
            .position(emptiest_corner(lines, (x0, x1), (y0, y1), &sx, &sy))
            .background_style(WHITE.mix(0.85))
            .border_style(RGBColor(190, 190, 190))
            .label_font(("sans-serif", 13))
            .draw()
            .map_err(e)?;
    }
    Ok(())
}

/// The corner of the plot with the fewest points (data and theory) in its 45% x 40% box, for
/// the legend (upper corners first among equals).
fn emptiest_corner(
    lines: &[Line],
    (x0, x1): (f64, f64),
    (y0, y1): (f64, f64),
    sx: &dyn Fn(f64) -> Option<f64>,
    sy: &dyn Fn(f64) -> Option<f64>,
) -> SeriesLabelPosition {
    let points: Vec<(f64, f64)> = lines
        .iter()
        .flat_map(|l| {
            l.points
                .iter()
                .map(|p| (p.0, p.1))
                .chain(l.theory.iter().step_by(4).map(|t| (t.0, t.1)))
        })
        .filter_map(|(x, y)| Some(((sx(x)? - x0) / (x1 - x0), (sy(y)? - y0) / (y1 - y0))))
        .collect();
    let count = |left: bool, top: bool| {
        points
            .iter()
            .filter(|&&(u, v)| {
                (if left { u < 0.45 } else { u > 0.55 }) && (if top { v > 0.6 } else { v < 0.4 })
            })
            .count()
    };
    [
        (SeriesLabelPosition::UpperLeft, count(true, true)),
        (SeriesLabelPosition::UpperRight, count(false, true)),
        (SeriesLabelPosition::LowerRight, count(false, false)),
        (SeriesLabelPosition::LowerLeft, count(true, false)),
    ]
    .into_iter()
    .min_by_key(|(_, n)| *n)
    .map(|(p, _)| p)
    .expect("four corners")
}

/// A tick label: few digits, no trailing zeros.
fn fmt_tick(v: f64) -> String {
    if v == 0.0 {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-3..1e5).contains(&a) {
        return format!("{v:.0e}");
    }
    let s = format!("{v:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    s.to_string()
}
