//! Exhaustiveness of `match` on integers, by interval arithmetic on the scrutinee's range.
//!
//! Each pattern is an inclusive interval of mathematical integers (signed types use their
//! signed values, so `-5..=5` is one interval). The match is exhaustive when the union of its
//! intervals covers the type's whole range; the gaps are what the diagnostic names.

use crate::consteval::range_of;
use crate::hir::IntTy;

/// A set of disjoint, sorted inclusive intervals.
#[derive(Clone, Debug, Default)]
pub struct Coverage {
    intervals: Vec<(i128, i128)>,
}

impl Coverage {
    /// Whether `lo..=hi` is already wholly covered.
    pub fn covers(&self, lo: i128, hi: i128) -> bool {
        self.intervals.iter().any(|&(a, b)| a <= lo && hi <= b)
    }

    pub fn add(&mut self, lo: i128, hi: i128) {
        self.intervals.push((lo, hi));
        self.intervals.sort();
        let mut merged: Vec<(i128, i128)> = Vec::with_capacity(self.intervals.len());
        for &(a, b) in &self.intervals {
            match merged.last_mut() {
                Some(last) if a <= last.1.saturating_add(1) => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        self.intervals = merged;
    }

    /// The values of `ty` not covered, as inclusive intervals.
    pub fn missing(&self, ty: IntTy) -> Vec<(i128, i128)> {
        let (min, max) = range_of(ty);
        let mut gaps = Vec::new();
        let mut next = min;
        for &(a, b) in &self.intervals {
            if b < next {
                continue;
            }
            if a > next {
                gaps.push((next, (a - 1).min(max)));
            }
            next = b.saturating_add(1);
            if next > max {
                return gaps;
            }
        }
        if next <= max {
            gaps.push((next, max));
        }
        gaps
    }
}

/// "`4..=255`", "`7`", or "`0`, `4..=9` and 3 more".
pub fn describe_gaps(gaps: &[(i128, i128)]) -> String {
    let shown: Vec<String> =
        gaps.iter().take(3).map(|&(a, b)| if a == b { format!("`{a}`") } else { format!("`{a}..={b}`") }).collect();
    let mut s = match shown.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {}", init.join(", "), last),
    };
    if gaps.len() > 3 {
        s = format!("{}, and {} more ranges", shown.join(", "), gaps.len() - 3);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gaps() {
        let mut c = Coverage::default();
        c.add(0, 3);
        assert_eq!(c.missing(IntTy::U8), vec![(4, 255)]);
        c.add(4, 255);
        assert!(c.missing(IntTy::U8).is_empty());
        let mut s = Coverage::default();
        s.add(-128, -1);
        s.add(1, 127);
        assert_eq!(s.missing(IntTy::I8), vec![(0, 0)]);
        assert_eq!(describe_gaps(&[(0, 0), (4, 9)]), "`0` and `4..=9`");
        let mut full = Coverage::default();
        full.add(i64::MIN as i128, i64::MAX as i128);
        assert!(full.missing(IntTy::I64).is_empty());
    }
}
