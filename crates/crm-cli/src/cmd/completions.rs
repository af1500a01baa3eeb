//! `crm completions SHELL`: shell completion scripts (from the same clap definition).

use clap::Args;
use clap_complete::Shell;

/// Arguments of `crm completions`.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// Shell to generate completions for (bash, zsh, fish, elvish, powershell).
    #[arg(value_enum)]
    pub shell: Shell,
}

/// Writes the completion script for `shell` to stdout.
pub fn run(a: &CompletionsArgs, cmd: &mut clap::Command) {
    let name = cmd.get_name().to_string();
    clap_complete::generate(a.shell, cmd, name, &mut std::io::stdout());
}
