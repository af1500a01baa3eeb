//! One module per subcommand.

pub mod churn;
pub mod clv;
pub mod completions;
pub mod dedup;
pub mod demo;
pub mod lifecycle;
pub mod metrics;
pub mod report;
pub mod rfm;
pub mod summary;
