//! One module per subcommand.

pub mod churn;
pub mod clv;
pub mod summary;
