//! Matching scores from elsewhere (a file of `customer_id,score`) to churn labels by customer,
//! to evaluate them: which scores belong to the labelled population, which customers have none.

use crm_model::CustomerKey;

use crate::labels::ChurnLabel;

/// Scores paired with the labels of the same customers, and what did not pair: the input of
/// [`crate::evaluate`] (`evaluate(&m.scores, &m.churned)`). Made by [`ScoreMatcher::finish`].
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MatchedScores {
    /// The scores of labelled customers, in the order they were pushed.
    pub scores: Vec<f64>,
    /// The label of each score's customer (`true`: churned).
    pub churned: Vec<bool>,
    /// Scores of customers the labels' interner does not know (never in the transactions).
    pub unknown: usize,
    /// Scores of known customers outside the labelled population (no purchase by the as-of
    /// date).
    pub outside: usize,
    /// Labelled customers without a score.
    pub unscored: usize,
}

/// Pairs scores with churn labels by customer key, one score per customer.
///
/// ```
/// use crm_analytics::churn::{ChurnLabel, ScoreMatcher};
/// use crm_analytics::model::CustomerKey;
/// let k = CustomerKey::from_index;
/// let labels = [ChurnLabel { customer: k(0), churned: true }, ChurnLabel { customer: k(2), churned: false }];
/// let mut m = ScoreMatcher::new(&labels);
/// m.push(Some(k(2)), 0.1)?;
/// m.push(Some(k(0)), 0.9)?;
/// m.push(Some(k(1)), 0.5)?; // known customer, not labelled
/// m.push(None, 0.5)?; // unknown customer
/// assert!(m.push(Some(k(0)), 0.8).is_err()); // scored twice
/// let r = m.finish();
/// assert_eq!((r.scores, r.churned), (vec![0.1, 0.9], vec![false, true]));
/// assert_eq!((r.unknown, r.outside, r.unscored), (1, 1, 0));
/// # Ok::<(), crm_analytics::churn::ScoredTwice>(())
/// ```
#[derive(Debug, Clone)]
pub struct ScoreMatcher {
    /// Label by key index (`None`: not labelled) and whether it was scored.
    label_of: Vec<Option<(bool, bool)>>,
    labelled: usize,
    out: MatchedScores,
}

/// [`ScoreMatcher::push`] was given a second score for a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the customer is scored twice")]
pub struct ScoredTwice;

impl ScoreMatcher {
    /// A matcher for `labels` (one per customer; the last wins if a key repeats).
    #[must_use]
    pub fn new(labels: &[ChurnLabel]) -> Self {
        let n = labels
            .iter()
            .map(|l| l.customer.index() + 1)
            .max()
            .unwrap_or(0);
        let mut label_of = vec![None; n];
        for l in labels {
            label_of[l.customer.index()] = Some((l.churned, false));
        }
        let labelled = label_of.iter().flatten().count();
        ScoreMatcher {
            label_of,
            labelled,
            out: MatchedScores::default(),
        }
    }

    /// Adds the score of `customer` (`None`: a customer the labels' interner does not know).
    ///
    /// # Errors
    /// [`ScoredTwice`] for a second score of a labelled customer (nothing is added).
    pub fn push(&mut self, customer: Option<CustomerKey>, score: f64) -> Result<(), ScoredTwice> {
        let Some(k) = customer else {
            self.out.unknown += 1;
            return Ok(());
        };
        match self.label_of.get_mut(k.index()) {
            Some(Some((_, true))) => return Err(ScoredTwice),
            Some(Some((churned, seen))) => {
                *seen = true;
                self.out.scores.push(score);
                self.out.churned.push(*churned);
            }
            _ => self.out.outside += 1,
        }
        Ok(())
    }

    /// The matched scores and the counts of what did not match.
    #[must_use]
    pub fn finish(mut self) -> MatchedScores {
        self.out.unscored = self.labelled - self.out.scores.len();
        self.out
    }
}
