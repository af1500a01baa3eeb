//! One module per subcommand.

pub mod clv;
pub mod summary;
