//! One module per subcommand.

pub mod rfm;
pub mod summary;
