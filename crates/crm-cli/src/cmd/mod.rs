//! One module per subcommand.

pub mod metrics;
pub mod completions;
pub mod demo;
pub mod report;
pub mod summary;
