//! One module per subcommand.

pub mod metrics;
pub mod summary;
