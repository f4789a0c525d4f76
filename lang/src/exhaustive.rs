//! Exhaustiveness of `match` on integers, by interval arithmetic on the scrutinee's range.
//!
//! Each pattern is an inclusive interval of mathematical integers (signed types use their
//! signed values, so `-5..=5` is one interval). The match is exhaustive when the union of its
//! intervals covers the type's whole range; the gaps are what the diagnostic names.

use crate::consteval::range_of;
use crate::hir::IntTy;
use std::collections::BTreeMap;

/// A set of disjoint, non-adjacent inclusive intervals, keyed by their start: adding and
/// testing an interval are logarithmic, so a match of n arms is checked in O(n log n).
#[derive(Clone, Debug, Default)]
pub struct Coverage {
    intervals: BTreeMap<i128, i128>,
}

impl Coverage {
    /// Whether `lo..=hi` is already wholly covered.
    pub fn covers(&self, lo: i128, hi: i128) -> bool {
        self.intervals.range(..=lo).next_back().is_some_and(|(_, &b)| hi <= b)
    }

    pub fn add(&mut self, lo: i128, hi: i128) {
        let (mut lo, mut hi) = (lo, hi);
        // An interval starting at or before `lo` that reaches it (or touches it) absorbs it.
        if let Some((&a, &b)) = self.intervals.range(..=lo).next_back() {
            if b.saturating_add(1) >= lo {
                lo = a;
                hi = hi.max(b);
                self.intervals.remove(&a);
            }
        }
        // Intervals starting inside `lo..=hi + 1` merge into it.
        while let Some((&a, &b)) = self.intervals.range(lo..=hi.saturating_add(1)).next() {
            hi = hi.max(b);
            self.intervals.remove(&a);
        }
        self.intervals.insert(lo, hi);
    }

    /// The values of `ty` not covered, as inclusive intervals.
    pub fn missing(&self, ty: IntTy) -> Vec<(i128, i128)> {
        let (min, max) = range_of(ty);
        let mut gaps = Vec::new();
        let mut next = min;
        for (&a, &b) in &self.intervals {
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
