//! `match` as a decision tree: the arms' patterns become a sorted partition of the
//! scrutinee's range into intervals, each naming the arm that takes it (first arm wins,
//! neighbouring intervals of one arm merged), and the partition becomes a binary search.
//!
//! A run of at most [`MAX_CHAIN`] single values on one background arm is tested with `==`
//! one after another (what a short `match` on a few values wants); anything larger is split
//! at its middle interval with one `<`, so a match of n arms costs O(log n) tests per packet
//! and O(n) instructions, and the verifier's stack of pending branches stays O(log n) deep
//! (a chain of 8193 tests exceeds its limit of 8192). Pure: values in, a plan out;
//! `lower.rs` turns the plan into blocks.

use std::collections::BTreeMap;
use std::ops::Bound::{Excluded, Included};

/// An inclusive interval of the scrutinee's values (signed types by their signed value) and
/// the arm that takes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    pub lo: i128,
    pub hi: i128,
    pub arm: usize,
}

/// Where a test goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    Test(usize),
    Arm(usize),
}

/// One test of the tree: `scrutinee < value` or `scrutinee == value`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Test {
    pub less: bool,
    pub value: i128,
    pub yes: Target,
    pub no: Target,
}

/// The most single values tested one by one with `==` before the tree splits.
pub const MAX_CHAIN: usize = 3;

/// The partition of `min..=max` by the arms' intervals (`arms[i]` lists arm `i`'s patterns;
/// a wildcard is the whole range). Values no arm takes (none, for an exhaustive match) go to
/// the last arm.
pub fn partition(arms: &[Vec<(i128, i128)>], min: i128, max: i128) -> Vec<Segment> {
    // Start of each assigned interval -> (end, arm); disjoint.
    let mut taken: BTreeMap<i128, (i128, usize)> = BTreeMap::new();
    for (arm, pats) in arms.iter().enumerate() {
        for &(lo, hi) in pats {
            let (lo, hi) = (lo.max(min), hi.min(max));
            if lo > hi {
                continue;
            }
            // The free parts of lo..=hi: walk the assigned intervals that overlap it.
            let mut next = lo;
            let mut free = Vec::new();
            let first = taken.range(..=lo).next_back().map(|(&a, &(b, _))| (a, b));
            let overlapping =
                first.into_iter().chain(taken.range((Excluded(lo), Included(hi))).map(|(&a, &(b, _))| (a, b)));
            for (a, b) in overlapping {
                if b < next {
                    continue;
                }
                if a > next {
                    free.push((next, a - 1));
                }
                next = b + 1;
                if next > hi {
                    break;
                }
            }
            if next <= hi {
                free.push((next, hi));
            }
            for (a, b) in free {
                taken.insert(a, (b, arm));
            }
        }
    }
    let last = arms.len().saturating_sub(1);
    let mut out: Vec<Segment> = Vec::with_capacity(taken.len() * 2 + 1);
    let push = |s: Segment, out: &mut Vec<Segment>| match out.last_mut() {
        Some(p) if p.arm == s.arm && p.hi + 1 == s.lo => p.hi = s.hi,
        _ => out.push(s),
    };
    let mut next = min;
    for (&lo, &(hi, arm)) in &taken {
        if lo > next {
            push(Segment { lo: next, hi: lo - 1, arm: last }, &mut out);
        }
        push(Segment { lo, hi, arm }, &mut out);
        next = hi + 1;
    }
    if next <= max {
        push(Segment { lo: next, hi: max, arm: last }, &mut out);
    }
    out
}

/// The tests deciding `segments` (sorted, covering the range, neighbours of distinct arms);
/// the first test is the root. No tests when one arm takes everything.
pub fn plan(segments: &[Segment]) -> (Target, Vec<Test>) {
    let mut tests = Vec::new();
    let root = build(segments, &mut tests);
    (root, tests)
}

fn build(segs: &[Segment], tests: &mut Vec<Test>) -> Target {
    if segs.len() == 1 {
        return Target::Arm(segs[0].arm);
    }
    if let Some((points, default)) = chain(segs) {
        let mut target = Target::Arm(default);
        for p in points.iter().rev() {
            tests.push(Test { less: false, value: p.lo, yes: Target::Arm(p.arm), no: target });
            target = Target::Test(tests.len() - 1);
        }
        return target;
    }
    let mid = segs.len() / 2;
    // Reserve the slot first so that the root of a subtree comes before its children.
    let at = tests.len();
    tests.push(Test { less: true, value: segs[mid].lo, yes: Target::Arm(0), no: Target::Arm(0) });
    let yes = build(&segs[..mid], tests);
    let no = build(&segs[mid..], tests);
    tests[at].yes = yes;
    tests[at].no = no;
    Target::Test(at)
}

/// `segs` as at most [`MAX_CHAIN`] single values on one default arm, if it is one.
fn chain(segs: &[Segment]) -> Option<(Vec<Segment>, usize)> {
    let wide: Vec<&Segment> = segs.iter().filter(|s| s.lo != s.hi).collect();
    let default = match wide.first() {
        Some(w) if wide.iter().all(|x| x.arm == w.arm) => w.arm,
        Some(_) => return None,
        // All single values: the last one is the default.
        None => segs.last()?.arm,
    };
    let points: Vec<Segment> = segs.iter().filter(|s| s.arm != default).copied().collect();
    (points.len() <= MAX_CHAIN && points.iter().all(|p| p.lo == p.hi)).then_some((points, default))
}

/// How many tests the deepest path of the plan makes (what a packet pays at most).
pub fn depth(root: Target, tests: &[Test]) -> usize {
    let mut best = 0;
    let mut stack = vec![(root, 0usize)];
    while let Some((t, d)) = stack.pop() {
        match t {
            Target::Arm(_) => best = best.max(d),
            Target::Test(i) => {
                stack.push((tests[i].yes, d + 1));
                stack.push((tests[i].no, d + 1));
            }
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the plan on `x`: the arm it picks.
    fn decide(root: Target, tests: &[Test], x: i128) -> usize {
        let mut t = root;
        loop {
            match t {
                Target::Arm(a) => return a,
                Target::Test(i) => {
                    let c = &tests[i];
                    let yes = if c.less { x < c.value } else { x == c.value };
                    t = if yes { c.yes } else { c.no };
                }
            }
        }
    }

    /// The arm the first matching pattern names: the reference semantics.
    fn first_match(arms: &[Vec<(i128, i128)>], x: i128) -> usize {
        arms.iter().position(|p| p.iter().any(|&(lo, hi)| lo <= x && x <= hi)).unwrap_or(arms.len() - 1)
    }

    #[test]
    fn the_plan_picks_the_first_matching_arm() {
        let all = (0, 255);
        let cases: Vec<Vec<Vec<(i128, i128)>>> = vec![
            vec![vec![(3, 3)], vec![(7, 7)], vec![all]],
            vec![vec![(0, 9)], vec![all]],
            vec![vec![(5, 20)], vec![(10, 30)], vec![(0, 0), (255, 255)], vec![all]],
            (0..100).map(|i| vec![(i * 2, i * 2)]).chain([vec![all]]).collect(),
            (0..40).map(|i| vec![(i * 6, i * 6 + 2)]).chain([vec![all]]).collect(),
            vec![vec![(1, 1)], vec![(1, 1)], vec![all]],
        ];
        for arms in cases {
            let segs = partition(&arms, 0, 255);
            let (root, tests) = plan(&segs);
            for x in 0..=255 {
                assert_eq!(decide(root, &tests, x), first_match(&arms, x), "x = {x}, arms {arms:?}");
            }
        }
    }

    #[test]
    fn few_values_are_a_chain_and_many_a_tree() {
        let arms = vec![vec![(3, 3)], vec![(7, 7)], vec![(0, 255)]];
        let (root, tests) = plan(&partition(&arms, 0, 255));
        assert_eq!(tests.len(), 2);
        assert!(tests.iter().all(|t| !t.less));
        assert_eq!(depth(root, &tests), 2);
        let many: Vec<Vec<(i128, i128)>> = (0..5000).map(|i| vec![(i * 3, i * 3)]).collect();
        let segs = partition(&many, 0, u32::MAX as i128);
        let (root, tests) = plan(&segs);
        assert!(depth(root, &tests) <= 15, "depth {}", depth(root, &tests));
        assert!(tests.len() < 2 * segs.len());
    }

    #[test]
    fn neighbours_of_one_arm_merge() {
        let arms = vec![vec![(0, 4)], vec![(5, 9)], vec![(0, 255)]];
        assert_eq!(partition(&arms, 0, 255).len(), 3);
        let same = vec![vec![(0, 4), (5, 9)], vec![(0, 255)]];
        assert_eq!(
            partition(&same, 0, 255),
            vec![Segment { lo: 0, hi: 9, arm: 0 }, Segment { lo: 10, hi: 255, arm: 1 }]
        );
    }
}
