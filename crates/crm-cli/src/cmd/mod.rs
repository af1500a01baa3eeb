//! One module per subcommand.

pub mod summary;
