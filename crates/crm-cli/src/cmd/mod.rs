//! One module per subcommand.

pub mod churn;
pub mod summary;
