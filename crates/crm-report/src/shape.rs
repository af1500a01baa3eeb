//! Library-agnostic helpers that shape model outputs into view-model values, so that wiring a
//! model-based section is: call the library, pass its numbers through one of these.

use super::model::{HeatGrid, RfmGridCell};
use super::svg::short;

/// P(alive)-style grid of a model function `f(x, t_x, T)` evaluated at a fixed age `age` over
/// `x = 0..=max_x` (columns) and `t_x` from `age` (top row) down to 0 (bottom row) in `rows`
/// steps: the `lifetimes` "probability alive matrix" convention. `unit` names t_x's unit.
pub fn model_grid(
    max_x: u32,
    age: f64,
    rows: usize,
    unit: &str,
    f: impl Fn(u32, f64, f64) -> f64,
) -> HeatGrid {
    // Recency on round steps (0, 10, 20, ... up to the age), latest at the top: about `rows`
    // rows.
    let step = crate::svg::nice_step(age, rows.max(2).saturating_sub(1) as f64);
    let top = if age > 0.0 {
        (age / step).floor() as usize
    } else {
        0
    };
    let recency: Vec<f64> = (0..=top).rev().map(|k| k as f64 * step).collect();
    HeatGrid {
        x_label: "repeat purchases x".into(),
        y_label: format!("recency t_x ({unit}s after the first purchase)"),
        x_ticks: (0..=max_x).map(|x| x.to_string()).collect(),
        y_ticks: recency.iter().map(|t| short(*t)).collect(),
        values: recency
            .iter()
            .map(|&t| {
                (0..=max_x)
                    .map(|x| {
                        // With no repeat purchase, t_x is 0 by definition.
                        let t = if x == 0 { 0.0 } else { t };
                        let v = f(x, t, age);
                        v.is_finite().then_some(v)
                    })
                    .collect()
            })
            .collect(),
    }
}

/// R-by-F grid cells from per-customer `(r, f, segment)` scores (1-based, up to `levels`): the
/// count per cell and the segment most of its customers belong to (ties: alphabetical).
/// Cells with no customers get segment "".
pub fn rfm_grid<'a>(
    scores: impl IntoIterator<Item = (u8, u8, &'a str)>,
    levels: u8,
) -> Vec<RfmGridCell> {
    let l = usize::from(levels.max(1));
    let mut counts: Vec<Vec<(&str, u64)>> = vec![Vec::new(); l * l];
    for (r, f, seg) in scores {
        if r == 0 || f == 0 || usize::from(r) > l || usize::from(f) > l {
            continue;
        }
        let cell = &mut counts[(usize::from(r) - 1) * l + usize::from(f) - 1];
        match cell.iter_mut().find(|(s, _)| *s == seg) {
            Some((_, c)) => *c += 1,
            None => cell.push((seg, 1)),
        }
    }
    let mut out = Vec::with_capacity(l * l);
    for r in 1..=levels.max(1) {
        for f in 1..=levels.max(1) {
            let cell = &counts[(usize::from(r) - 1) * l + usize::from(f) - 1];
            let dominant = cell
                .iter()
                .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
                .map_or("", |(s, _)| s);
            out.push(RfmGridCell {
                r,
                f,
                customers: cell.iter().map(|(_, c)| c).sum(),
                segment: dominant.to_string(),
            });
        }
    }
    out
}

/// The `n` items with the largest `key`, largest first (ties keep input order); NaN keys last.
pub fn top_n<T>(items: impl IntoIterator<Item = T>, n: usize, key: impl Fn(&T) -> f64) -> Vec<T> {
    let mut v: Vec<(f64, usize, T)> = items
        .into_iter()
        .enumerate()
        .map(|(i, t)| (key(&t), i, t))
        .collect();
    v.sort_by(|a, b| {
        let (x, y) = (a.0, b.0);
        match (x.is_nan(), y.is_nan()) {
            (true, false) => std::cmp::Ordering::Greater,
            (false, true) => std::cmp::Ordering::Less,
            _ => y.total_cmp(&x).then(a.1.cmp(&b.1)),
        }
    });
    v.into_iter().take(n).map(|(_, _, t)| t).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_of_a_model() {
        let g = model_grid(3, 10.0, 3, "week", |x, t, age| {
            f64::from(x) * 100.0 + t + age / 100.0
        });
        assert_eq!(g.x_ticks, vec!["0", "1", "2", "3"]);
        assert_eq!(g.y_ticks, vec!["10", "5", "0"]);
        // Top row: t_x = T = 10 (x = 0 forces t_x = 0).
        assert_eq!(
            g.values[0],
            vec![Some(0.1), Some(110.1), Some(210.1), Some(310.1)]
        );
        assert_eq!(g.values[2][1], Some(100.1));
        let nan = model_grid(1, 1.0, 2, "day", |_, _, _| f64::NAN);
        assert_eq!(nan.values[0], vec![None, None]);
    }
    #[test]
    fn rfm_cells() {
        let cells = rfm_grid(
            [
                (5, 5, "Champions"),
                (5, 5, "Champions"),
                (5, 5, "Loyal"),
                (1, 2, "Lost"),
                (9, 1, "x"),
            ],
            5,
        );
        assert_eq!(cells.len(), 25);
        let c55 = cells.iter().find(|c| c.r == 5 && c.f == 5).unwrap();
        assert_eq!((c55.customers, c55.segment.as_str()), (3, "Champions"));
        let c12 = cells.iter().find(|c| c.r == 1 && c.f == 2).unwrap();
        assert_eq!((c12.customers, c12.segment.as_str()), (1, "Lost"));
        assert_eq!(cells.iter().map(|c| c.customers).sum::<u64>(), 4);
        // Ties go to the alphabetically first segment.
        let t = rfm_grid([(1, 1, "b"), (1, 1, "a")], 1);
        assert_eq!(t[0].segment, "a");
    }

    #[test]
    fn top() {
        let v = top_n([3.0, f64::NAN, 5.0, 3.0, 1.0], 3, |x| *x);
        assert_eq!(v[..2], [5.0, 3.0]);
        assert_eq!(v[2], 3.0);
        assert!(top_n(Vec::<f64>::new(), 3, |x| *x).is_empty());
    }
}
