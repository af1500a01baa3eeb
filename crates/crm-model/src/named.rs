//! Options chosen by name from a closed set ("month", "adjusted-wald", "1-5"), the way a
//! configuration file, a query string or a command-line flag names them.
//!
//! One table per type holds every name with its value and a one-line description, so a parser,
//! a help text and a serialiser cannot disagree.

/// One value of a [`Named`] type: the name it is spelled by, other accepted spellings, the
/// value and a one-line description.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice<T: 'static> {
    /// The name written out (lower case, words joined by `-`).
    pub name: &'static str,
    /// Other spellings accepted when reading.
    pub aliases: &'static [&'static str],
    /// The value.
    pub value: T,
    /// One line saying what the value means.
    pub help: &'static str,
}

impl<T: Copy> Choice<T> {
    /// A value spelled `name`, described by `help`.
    pub const fn new(name: &'static str, value: T, help: &'static str) -> Self {
        Choice {
            name,
            aliases: &[],
            value,
            help,
        }
    }

    /// The same value, also accepted as any of `aliases`.
    pub const fn aliases(self, aliases: &'static [&'static str]) -> Self {
        Choice { aliases, ..self }
    }
}

/// A type whose values are chosen by name.
///
/// ```
/// use crm_analytics::model::{Named, TimeUnit};
///
/// assert_eq!(TimeUnit::from_name("Month"), Some(TimeUnit::Month));
/// assert_eq!(TimeUnit::Week.name(), "week");
/// assert_eq!(TimeUnit::from_name("fortnight"), None);
/// let names: Vec<&str> = TimeUnit::CHOICES.iter().map(|c| c.name).collect();
/// assert_eq!(names, ["day", "week", "month", "quarter", "year"]);
/// ```
pub trait Named: Copy + PartialEq + Sized + 'static {
    /// Every value once, in the order a help text lists them.
    const CHOICES: &'static [Choice<Self>];

    /// The name of this value (its entry in [`Named::CHOICES`]).
    fn name(self) -> &'static str {
        Self::CHOICES
            .iter()
            .find(|c| c.value == self)
            .map_or("", |c| c.name)
    }

    /// The value spelled `name` or one of its aliases, ignoring ASCII case and surrounding
    /// spaces; `None` for any other text.
    fn from_name(name: &str) -> Option<Self> {
        let name = name.trim();
        Self::CHOICES
            .iter()
            .find(|c| {
                c.name.eq_ignore_ascii_case(name)
                    || c.aliases.iter().any(|a| a.eq_ignore_ascii_case(name))
            })
            .map(|c| c.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, Copy, PartialEq)]
    enum Size {
        Small,
        Large,
    }

    impl Named for Size {
        const CHOICES: &'static [Choice<Self>] = &[
            Choice::new("small", Size::Small, "S"),
            Choice::new("large", Size::Large, "L").aliases(&["big"]),
        ];
    }

    #[test]
    fn names_and_aliases_round_trip() {
        assert_eq!(Size::Large.name(), "large");
        assert_eq!(Size::from_name(" BIG "), Some(Size::Large));
        assert_eq!(Size::from_name("small"), Some(Size::Small));
        assert_eq!(Size::from_name("medium"), None);
        for c in Size::CHOICES {
            assert_eq!(Size::from_name(c.value.name()), Some(c.value));
        }
    }
}
