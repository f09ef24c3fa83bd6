//! Chart descriptions shared by every document: the ranking (horizontal bars with the action
//! threshold), trends (lines over periods) and the grade distribution (columns). A chart
//! draws itself on a [`Canvas`]; the PDF reports and the public page each provide one, so
//! both show the same chart from the same description. Text is measured with the PDF's
//! embedded font, so a label that fits in the report fits on the page too.

/// An RGB colour.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }
}

pub const WHITE: Rgb = Rgb(0xff, 0xff, 0xff);
pub const INK: Rgb = Rgb(0x22, 0x22, 0x22);
pub const GREY: Rgb = Rgb(0x6b, 0x6b, 0x6b);
pub const RULE: Rgb = Rgb(0xd0, 0xd0, 0xd0);
pub const BLUE: Rgb = Rgb(0x2f, 0x5d, 0x8a);
pub const RED: Rgb = Rgb(0xb3, 0x26, 0x1e);
pub const LIGHT: Rgb = Rgb(0xa8, 0xb8, 0xc8);
/// Series colours, told apart also by their markers and labels.
pub const SERIES: [Rgb; 6] = [
    BLUE,
    Rgb(0xc0, 0x6c, 0x1c),
    Rgb(0x3a, 0x7d, 0x44),
    Rgb(0x7a, 0x4f, 0x9a),
    Rgb(0x1f, 0x8a, 0x8a),
    Rgb(0x8a, 0x6a, 0x3a),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    Middle,
    End,
}

/// Where a chart draws: points, origin at the top left, y downwards.
pub trait Canvas {
    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Rgb);
    fn line(&mut self, points: &[(f32, f32)], stroke: Rgb, width: f32, dashed: bool);
    /// Text on a baseline at `y`.
    fn text(&mut self, x: f32, y: f32, text: &str, size: f32, color: Rgb, anchor: Anchor);
    fn measure(&self, text: &str, size: f32) -> f32;
}

/// Horizontal bars, one per group, in the order given (a ranking), on a 0–100 scale.
#[derive(Debug, Clone, PartialEq)]
pub struct Bars {
    pub labels: Vec<String>,
    /// `None`: no score; the note says why.
    pub values: Vec<Option<f64>>,
    /// Drawn after the value (e.g. 样本不足), in grey bars.
    pub notes: Vec<Option<String>>,
    pub threshold: Option<f64>,
}

/// Lines over periods; gaps where a series has no value.
#[derive(Debug, Clone, PartialEq)]
pub struct Lines {
    pub periods: Vec<String>,
    pub series: Vec<(String, Vec<Option<f64>>)>,
    pub threshold: Option<f64>,
}

/// Columns with a count each (the grades of overall satisfaction).
#[derive(Debug, Clone, PartialEq)]
pub struct Columns {
    pub labels: Vec<String>,
    pub counts: Vec<u64>,
}

/// Items placed by importance (x, a correlation) and score (y), with the median importance
/// and the action threshold dividing them; the important, low quadrant is 优先改进区.
#[derive(Debug, Clone, PartialEq)]
pub struct Quadrant {
    /// (label, importance, score, in the priority zone)
    pub points: Vec<(String, f64, f64, bool)>,
    pub x_split: f64,
    pub threshold: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    Bars(Bars),
    Lines(Lines),
    Columns(Columns),
    Quadrant(Quadrant),
}

const FONT: f32 = 8.0;
const BAR_ROW: f32 = 15.0;

impl Chart {
    /// The height the chart needs at a width (bars grow with their count).
    pub fn height(&self, width: f32) -> f32 {
        match self {
            Chart::Bars(b) => b.labels.len() as f32 * BAR_ROW + 30.0,
            Chart::Lines(_) | Chart::Columns(_) => (width * 0.42).clamp(150.0, 240.0),
            Chart::Quadrant(_) => (width * 0.6).clamp(200.0, 320.0),
        }
    }

    pub fn draw(&self, c: &mut dyn Canvas, x: f32, y: f32, w: f32, h: f32) {
        match self {
            Chart::Bars(b) => bars(b, c, x, y, w),
            Chart::Lines(l) => lines(l, c, x, y, w, h),
            Chart::Columns(col) => columns(col, c, x, y, w, h),
            Chart::Quadrant(q) => quadrant(q, c, x, y, w, h),
        }
    }
}

fn score_text(v: f64) -> String {
    format!("{:.2}", crate::score::stats::round_half_away(v, 2))
}

fn bars(b: &Bars, c: &mut dyn Canvas, x: f32, y: f32, w: f32) {
    let label_w = (b.labels.iter().map(|l| c.measure(l, FONT)).fold(0.0, f32::max) + 6.0).min(w * 0.4);
    let value_w = 62.0;
    let plot_x = x + label_w;
    let plot_w = (w - label_w - value_w).max(10.0);
    let scale = |v: f64| plot_x + (v.clamp(0.0, 100.0) as f32) / 100.0 * plot_w;
    let top = y + 4.0;
    let bottom = top + b.labels.len() as f32 * BAR_ROW;
    // Grid and axis at 0, 20 … 100.
    for t in (0..=100).step_by(20) {
        let gx = scale(t as f64);
        c.line(&[(gx, top), (gx, bottom)], RULE, 0.4, false);
        c.text(gx, bottom + 10.0, &t.to_string(), FONT - 1.0, GREY, Anchor::Middle);
    }
    // The threshold under the bars; value labels on a white ground over it.
    if let Some(t) = b.threshold {
        let tx = scale(t);
        c.line(&[(tx, top - 2.0), (tx, bottom)], RED, 0.9, true);
        c.text(
            tx,
            bottom + 20.0,
            &format!("整改线 {t}"),
            FONT - 1.0,
            RED,
            Anchor::Middle,
        );
    }
    for (i, label) in b.labels.iter().enumerate() {
        let row_y = top + i as f32 * BAR_ROW;
        let base = row_y + BAR_ROW * 0.5 + FONT * 0.35;
        let shown = super::text::ellipsize(
            super::font::face(super::font::Weight::Regular),
            label,
            FONT,
            label_w - 6.0,
        );
        c.text(plot_x - 4.0, base, &shown, FONT, INK, Anchor::End);
        let note = b.notes.get(i).cloned().flatten();
        if let Some(v) = b.values.get(i).copied().flatten() {
            let colour = if note.is_some() {
                LIGHT
            } else if b.threshold.is_some_and(|t| v < t) {
                RED
            } else {
                BLUE
            };
            c.rect(plot_x, row_y + 3.0, scale(v) - plot_x, BAR_ROW - 6.0, colour);
            let text = match &note {
                Some(n) => format!("{} {n}", score_text(v)),
                None => score_text(v),
            };
            let w = c.measure(&text, FONT);
            c.rect(scale(v) + 2.0, row_y + 2.0, w + 2.0, BAR_ROW - 4.0, WHITE);
            c.text(scale(v) + 3.0, base, &text, FONT, INK, Anchor::Start);
        } else if let Some(n) = note {
            c.text(plot_x + 3.0, base, &n, FONT, GREY, Anchor::Start);
        }
    }
    c.line(&[(plot_x, top), (plot_x, bottom)], INK, 0.6, false);
}

/// A y range that shows differences: from below the lowest value (a multiple of 10) to 100.
fn y_range(values: impl Iterator<Item = f64>, threshold: Option<f64>) -> (f64, f64) {
    let lo = values.chain(threshold).fold(100.0f64, f64::min);
    let lo = ((lo - 5.0) / 10.0).floor() * 10.0;
    (lo.clamp(0.0, 90.0), 100.0)
}

fn lines(l: &Lines, c: &mut dyn Canvas, x: f32, y: f32, w: f32, h: f32) {
    let legend_h = 14.0;
    let (lo, hi) = y_range(
        l.series.iter().flat_map(|(_, v)| v.iter().flatten().copied()),
        l.threshold,
    );
    let plot_x = x + 28.0;
    let plot_w = w - 36.0;
    let top = y + legend_h + 6.0;
    let bottom = y + h - 16.0;
    let sy = |v: f64| bottom - ((v - lo) / (hi - lo)) as f32 * (bottom - top);
    let n = l.periods.len().max(1);
    let sx = |i: usize| {
        if n == 1 {
            plot_x + plot_w / 2.0
        } else {
            plot_x + 8.0 + i as f32 * (plot_w - 16.0) / (n - 1) as f32
        }
    };
    let step = if hi - lo > 40.0 {
        20
    } else if hi - lo > 20.0 {
        10
    } else {
        5
    };
    let mut t = lo as i64;
    while t as f64 <= hi {
        let gy = sy(t as f64);
        c.line(&[(plot_x, gy), (plot_x + plot_w, gy)], RULE, 0.4, false);
        c.text(plot_x - 4.0, gy + 3.0, &t.to_string(), FONT - 1.0, GREY, Anchor::End);
        t += step;
    }
    // Period labels, thinned out to fit.
    let every = ((n as f32 * 40.0) / plot_w).ceil().max(1.0) as usize;
    for (i, p) in l.periods.iter().enumerate() {
        if i % every == 0 || i == n - 1 {
            c.text(sx(i), bottom + 11.0, p, FONT - 1.0, GREY, Anchor::Middle);
        }
    }
    if let Some(th) = l.threshold {
        c.line(&[(plot_x, sy(th)), (plot_x + plot_w, sy(th))], RED, 0.8, true);
        // At the left, where the latest values (labelled at the right) are not.
        c.text(
            plot_x + 3.0,
            sy(th) + 9.0,
            &format!("整改线 {th}"),
            FONT - 1.0,
            RED,
            Anchor::Start,
        );
    }
    let mut lx = plot_x;
    for (k, (name, values)) in l.series.iter().enumerate() {
        let colour = SERIES[k % SERIES.len()];
        // Runs of consecutive values; a single point gets a marker only.
        let mut run: Vec<(f32, f32)> = Vec::new();
        for (i, v) in values.iter().enumerate() {
            match v {
                Some(v) => run.push((sx(i), sy(*v))),
                None => {
                    if run.len() > 1 {
                        c.line(&run, colour, 1.4, false);
                    }
                    run.clear();
                }
            }
        }
        if run.len() > 1 {
            c.line(&run, colour, 1.4, false);
        }
        for (i, v) in values.iter().enumerate() {
            if let Some(v) = v {
                c.rect(sx(i) - 2.0, sy(*v) - 2.0, 4.0, 4.0, colour);
            }
        }
        if let Some((i, v)) = values.iter().enumerate().rev().find_map(|(i, v)| v.map(|v| (i, v))) {
            // The latest value: above its point for the highest series there, below for the
            // others, so two close lines keep their labels apart.
            let highest = l.series.iter().enumerate().all(|(j, (_, other))| {
                j == k
                    || other
                        .get(i)
                        .copied()
                        .flatten()
                        .is_none_or(|o| v > o || (v == o && k < j))
            });
            let dy = if highest { -5.0 } else { 11.0 };
            c.text(sx(i), sy(v) + dy, &score_text(v), FONT - 1.0, colour, Anchor::Middle);
        }
        // Legend: each name shortened to its share of the width.
        let room = w / l.series.len().max(1) as f32 - 30.0;
        let name = super::text::ellipsize(super::font::face(super::font::Weight::Regular), name, FONT, room);
        c.line(&[(lx, y + 8.0), (lx + 14.0, y + 8.0)], colour, 2.0, false);
        c.text(lx + 18.0, y + 11.0, &name, FONT, INK, Anchor::Start);
        lx += 26.0 + c.measure(&name, FONT);
    }
}

fn quadrant(q: &Quadrant, c: &mut dyn Canvas, x: f32, y: f32, w: f32, h: f32) {
    let (lo, hi) = y_range(q.points.iter().map(|p| p.2), Some(q.threshold));
    let x_lo = (q.points.iter().map(|p| p.1).fold(q.x_split, f64::min) * 10.0 - 1.0).floor() / 10.0;
    let (x_lo, x_hi) = (x_lo.max(-1.0), 1.0);
    let plot_x = x + 30.0;
    let plot_w = w - 40.0;
    let top = y + 8.0;
    let bottom = y + h - 28.0;
    let sx = |v: f64| plot_x + ((v - x_lo) / (x_hi - x_lo)) as f32 * plot_w;
    let sy = |v: f64| bottom - ((v - lo) / (hi - lo)) as f32 * (bottom - top);
    c.line(
        &[(plot_x, top), (plot_x, bottom), (plot_x + plot_w, bottom)],
        INK,
        0.6,
        false,
    );
    let mut t = lo as i64;
    while t as f64 <= hi {
        c.text(
            plot_x - 4.0,
            sy(t as f64) + 3.0,
            &t.to_string(),
            FONT - 1.0,
            GREY,
            Anchor::End,
        );
        t += 10;
    }
    let mut v = (x_lo * 10.0).round() as i64;
    while v <= 10 {
        let xv = v as f64 / 10.0;
        c.text(
            sx(xv),
            bottom + 10.0,
            &format!("{xv:.1}"),
            FONT - 1.0,
            GREY,
            Anchor::Middle,
        );
        v += 2;
    }
    c.text(
        plot_x + plot_w / 2.0,
        bottom + 22.0,
        "重要性（与总体满意度的相关系数）",
        FONT,
        INK,
        Anchor::Middle,
    );
    // The priority zone: important (right of the median) and below the threshold.
    let (zx, zy) = (sx(q.x_split), sy(q.threshold));
    c.rect(zx, zy, plot_x + plot_w - zx, bottom - zy, Rgb(0xfb, 0xe9, 0xe7));
    c.text(
        plot_x + plot_w - 4.0,
        bottom - 5.0,
        "优先改进区",
        FONT + 1.0,
        RED,
        Anchor::End,
    );
    c.line(&[(zx, top), (zx, bottom)], GREY, 0.7, true);
    c.line(&[(plot_x, zy), (plot_x + plot_w, zy)], RED, 0.8, true);
    c.text(
        plot_x + 3.0,
        zy - 3.0,
        &format!("整改线 {}", q.threshold),
        FONT - 1.0,
        RED,
        Anchor::Start,
    );
    for (label, imp, score, priority) in &q.points {
        let colour = if *priority { RED } else { BLUE };
        let (px, py) = (sx(*imp), sy(*score));
        c.rect(px - 2.5, py - 2.5, 5.0, 5.0, colour);
        c.text(px + 4.0, py - 3.0, label, FONT - 1.0, colour, Anchor::Start);
    }
}

fn columns(col: &Columns, c: &mut dyn Canvas, x: f32, y: f32, w: f32, h: f32) {
    let total: u64 = col.counts.iter().sum();
    let max = col.counts.iter().copied().max().unwrap_or(0).max(1) as f32;
    let top = y + 14.0;
    let bottom = y + h - 16.0;
    let n = col.labels.len().max(1) as f32;
    let slot = w / n;
    c.line(&[(x, bottom), (x + w, bottom)], INK, 0.6, false);
    for (i, (label, count)) in col.labels.iter().zip(&col.counts).enumerate() {
        let cx = x + slot * (i as f32 + 0.5);
        let bh = *count as f32 / max * (bottom - top);
        let bw = (slot * 0.55).min(60.0);
        c.rect(cx - bw / 2.0, bottom - bh, bw, bh, BLUE);
        let share = if total > 0 {
            *count as f64 * 100.0 / total as f64
        } else {
            0.0
        };
        c.text(
            cx,
            bottom - bh - 3.0,
            &format!("{count}（{share:.1}%）"),
            FONT - 0.5,
            INK,
            Anchor::Middle,
        );
        c.text(cx, bottom + 11.0, label, FONT, INK, Anchor::Middle);
    }
}

/// An SVG backend (the public page): inline SVG with the report font's family first.
pub struct Svg {
    body: String,
    width: f32,
    height: f32,
}

pub const FONT_FAMILY: &str =
    "'Noto Sans SC','Noto Sans CJK SC','Source Han Sans SC','PingFang SC','Microsoft YaHei',sans-serif";

impl Svg {
    pub fn new(width: f32, height: f32) -> Svg {
        Svg {
            body: String::new(),
            width,
            height,
        }
    }

    /// The chart as a complete `<svg>` element with a title for screen readers.
    pub fn render(chart: &Chart, width: f32, title: &str) -> String {
        let h = chart.height(width);
        let mut s = Svg::new(width, h);
        chart.draw(&mut s, 0.0, 0.0, width, h);
        s.finish(title)
    }

    pub fn finish(self, title: &str) -> String {
        format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {w:.0} {h:.0}\" role=\"img\" aria-label=\"{t}\" font-family=\"{FONT_FAMILY}\"><title>{t}</title>{}</svg>",
            self.body,
            w = self.width,
            h = self.height,
            t = escape(title)
        )
    }
}

/// Escapes text for HTML and XML.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

impl Canvas for Svg {
    fn rect(&mut self, x: f32, y: f32, w: f32, h: f32, fill: Rgb) {
        self.body += &format!(
            "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{}\"/>",
            w.max(0.0),
            h.max(0.0),
            fill.hex()
        );
    }

    fn line(&mut self, points: &[(f32, f32)], stroke: Rgb, width: f32, dashed: bool) {
        let pts: Vec<String> = points.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
        let dash = if dashed { " stroke-dasharray=\"4 3\"" } else { "" };
        self.body += &format!(
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"{width}\"{dash}/>",
            pts.join(" "),
            stroke.hex()
        );
    }

    fn text(&mut self, x: f32, y: f32, text: &str, size: f32, color: Rgb, anchor: Anchor) {
        let a = match anchor {
            Anchor::Start => "start",
            Anchor::Middle => "middle",
            Anchor::End => "end",
        };
        self.body += &format!(
            "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"{size}\" fill=\"{}\" text-anchor=\"{a}\">{}</text>",
            color.hex(),
            escape(text)
        );
    }

    fn measure(&self, text: &str, size: f32) -> f32 {
        super::font::face(super::font::Weight::Regular).width(text, size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_y_range_shows_differences_and_keeps_the_threshold() {
        assert_eq!(y_range([86.0, 91.0].into_iter(), Some(80.0)), (70.0, 100.0));
        assert_eq!(y_range([20.0].into_iter(), None), (10.0, 100.0));
        assert_eq!(y_range(std::iter::empty(), None), (90.0, 100.0));
    }

    #[test]
    fn svg_escapes_labels_and_draws_each_bar() {
        let chart = Chart::Bars(Bars {
            labels: vec!["A<b>&".into(), "乙".into()],
            values: vec![Some(75.0), None],
            notes: vec![None, Some("样本不足".into())],
            threshold: Some(80.0),
        });
        let svg = Svg::render(&chart, 400.0, "排名");
        assert!(svg.contains("A&lt;b&gt;&amp;") && !svg.contains("A<b>"));
        assert!(svg.contains("样本不足") && svg.contains("75.00") && svg.contains("整改线 80"));
        // The bar below the threshold is red.
        assert!(svg.contains(&RED.hex()));
    }
}
