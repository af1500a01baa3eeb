//! A generator of synthetic customer records with known duplicates and realistic corruption, in
//! Chinese and English, for tests and benchmarks at any scale.
//!
//! Each entity gets one clean record; with probability `duplicate_rate` it gets 1 to
//! `max_duplicates` more records, each corrupted independently, the way different sales staff
//! would enter the same customer:
//!
//! ```text
//! names     typo (substitute / delete / transpose), "Surname, Given", initial, spaces inside
//!           Chinese names, a title (先生 / Mr)
//! e-mail    missing, a different address, upper case, Gmail dots and +tags
//! phone     with or without +86 / 0086, spaces and dashes, full-width digits, missing, another number
//! company   legal suffix dropped or changed, a (北京) prefix, missing
//! address   abbreviated street type, a typo, full-width digits
//! date      missing, day and month swapped, one digit changed, another format
//! ```
//!
//! The output is deterministic for a seed.

use crate::model::SplitMix64;
use crate::schema::{FieldKind, FieldSpec, Record, Schema};

/// Options of [`generate`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SynthOptions {
    /// Number of records to produce (exactly).
    pub records: usize,
    /// Share of entities that have duplicates. Default 0.3.
    pub duplicate_rate: f64,
    /// Most duplicates per entity. Default 4.
    pub max_duplicates: usize,
    /// Share of entities with Chinese data. Default 0.5.
    pub chinese_share: f64,
    /// Seed.
    pub seed: u64,
}

impl Default for SynthOptions {
    fn default() -> Self {
        SynthOptions {
            records: 1000,
            duplicate_rate: 0.3,
            max_duplicates: 4,
            chinese_share: 0.5,
            seed: 1,
        }
    }
}

/// Generated records with their true entity ids.
#[derive(Debug, Clone)]
pub struct SyntheticData {
    /// Schema: name, email, phone, company, address, city, date_of_birth.
    pub schema: Schema,
    /// Records (ids `r0`, `r1`, ...), shuffled so duplicates are not adjacent.
    pub records: Vec<Record>,
    /// True entity of each record.
    pub entity: Vec<u64>,
}

const CN_SURNAMES: &str = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤";
const CN_GIVEN: &str = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红梅鹏飞斌宇浩凯建国志文晨欣怡子涵雨轩梓博思远嘉琪佳慧晓东海波俊峰婷婷瑶雪琳颖丹健鑫宁";
const CN_CITIES: [&str; 12] = [
    "北京", "上海", "广州", "深圳", "杭州", "成都", "武汉", "南京", "西安", "重庆", "天津", "苏州",
];
const CN_ROADS: [&str; 16] = [
    "建国路",
    "人民路",
    "解放路",
    "中山路",
    "长安街",
    "南京路",
    "淮海路",
    "科技园路",
    "滨江大道",
    "学府路",
    "和平路",
    "胜利街",
    "文化路",
    "新华路",
    "光明路",
    "东风路",
];
const CN_CO: [&str; 16] = [
    "华信", "腾达", "博远", "金石", "宏图", "天成", "恒通", "新锐", "智联", "东方", "瑞丰", "远景",
    "嘉禾", "鼎盛", "明德", "云海",
];
const CN_CO_TYPE: [&str; 6] = ["科技", "贸易", "信息技术", "咨询", "实业", "电子"];
const CN_SUFFIX: [&str; 4] = ["有限公司", "有限责任公司", "股份有限公司", "集团"];
const EN_GIVEN: [&str; 40] = [
    "james",
    "mary",
    "john",
    "patricia",
    "robert",
    "jennifer",
    "michael",
    "linda",
    "william",
    "elizabeth",
    "david",
    "barbara",
    "richard",
    "susan",
    "joseph",
    "jessica",
    "thomas",
    "sarah",
    "charles",
    "karen",
    "daniel",
    "nancy",
    "matthew",
    "lisa",
    "anthony",
    "betty",
    "mark",
    "sandra",
    "steven",
    "ashley",
    "paul",
    "kimberly",
    "andrew",
    "emily",
    "joshua",
    "donna",
    "kevin",
    "michelle",
    "brian",
    "carol",
];
const EN_SURNAMES: [&str; 40] = [
    "smith",
    "johnson",
    "williams",
    "brown",
    "jones",
    "garcia",
    "miller",
    "davis",
    "rodriguez",
    "martinez",
    "hernandez",
    "lopez",
    "wilson",
    "anderson",
    "thomas",
    "taylor",
    "moore",
    "jackson",
    "martin",
    "lee",
    "thompson",
    "white",
    "harris",
    "clark",
    "lewis",
    "robinson",
    "walker",
    "young",
    "allen",
    "king",
    "wright",
    "scott",
    "hill",
    "green",
    "adams",
    "baker",
    "nelson",
    "carter",
    "mitchell",
    "roberts",
];
const EN_SYL: [&str; 24] = [
    "ka", "lo", "mer", "den", "ston", "ly", "ri", "van", "ber", "tal", "son", "ham", "wick",
    "ford", "el", "ar", "in", "ton", "ros", "mar", "ley", "dor", "an", "is",
];
const EN_CITIES: [&str; 10] = [
    "new york", "boston", "chicago", "seattle", "austin", "denver", "portland", "atlanta", "miami",
    "phoenix",
];
const US_AREA: [&str; 10] = [
    "212", "617", "312", "206", "512", "303", "503", "404", "305", "602",
];
const EN_STREET_TYPES: [(&str, &str); 5] = [
    ("street", "st"),
    ("road", "rd"),
    ("avenue", "ave"),
    ("drive", "dr"),
    ("lane", "ln"),
];
const EN_CO_SUFFIX: [&str; 5] = ["Inc", "Ltd", "LLC", "Co", "Corp"];
const DOMAINS: [&str; 5] = [
    "gmail.com",
    "163.com",
    "qq.com",
    "outlook.com",
    "example.com",
];

struct Rng(SplitMix64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0.below(n as u64) as usize
    }
    fn chance(&mut self, p: f64) -> bool {
        self.0.unit() < p
    }
    fn pick<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
    fn pick_char(&mut self, s: &str) -> char {
        let n = s.chars().count();
        s.chars().nth(self.below(n)).unwrap_or('王')
    }
}

#[derive(Clone)]
struct Entity {
    chinese: bool,
    given: String,
    surname: String,
    email: String,
    phone_digits: String,
    company: String,
    co_suffix: String,
    street_no: u32,
    street: String,
    street_type: usize,
    city: usize,
    dob: (u32, u32, u32),
}

fn make_entity(rng: &mut Rng, chinese: bool) -> Entity {
    let city = rng.below(10);
    let dob = (
        1945 + rng.below(60) as u32,
        1 + rng.below(12) as u32,
        1 + rng.below(28) as u32,
    );
    if chinese {
        let surname = rng.pick_char(CN_SURNAMES).to_string();
        let mut given = rng.pick_char(CN_GIVEN).to_string();
        if rng.chance(0.7) {
            given.push(rng.pick_char(CN_GIVEN));
        }
        let phone_digits = format!(
            "1{}{:09}",
            [3, 5, 8, 9][rng.below(4)],
            rng.0.below(1_000_000_000)
        );
        let py = crate::normalize::pinyin_key(&format!("{surname}{given}"));
        Entity {
            chinese,
            email: format!("{py}{}@{}", rng.below(10_000), rng.pick(&DOMAINS)),
            given,
            surname,
            phone_digits,
            company: format!("{}{}", rng.pick(&CN_CO), rng.pick(&CN_CO_TYPE)),
            co_suffix: rng.pick(&CN_SUFFIX).to_string(),
            street_no: 1 + rng.below(300) as u32,
            street: rng.pick(&CN_ROADS).to_string(),
            street_type: 0,
            city,
            dob,
        }
    } else {
        let given = rng.pick(&EN_GIVEN).to_string();
        let surname = if rng.chance(0.5) {
            rng.pick(&EN_SURNAMES).to_string()
        } else {
            format!(
                "{}{}{}",
                rng.pick(&EN_SYL),
                rng.pick(&EN_SYL),
                rng.pick(&EN_SYL)
            )
        };
        let phone_digits = format!("{}{:07}", US_AREA[city], 2_000_000 + rng.below(7_999_999));
        Entity {
            chinese,
            email: format!(
                "{}.{}{}@{}",
                given,
                surname,
                rng.below(1000),
                rng.pick(&DOMAINS)
            ),
            given,
            surname: surname.clone(),
            phone_digits,
            company: format!(
                "{}{} {}",
                rng.pick(&EN_SYL),
                rng.pick(&EN_SYL),
                ["Systems", "Trading", "Foods", "Logistics", "Labs"][rng.below(5)]
            ),
            co_suffix: rng.pick(&EN_CO_SUFFIX).to_string(),
            street_no: 1 + rng.below(2000) as u32,
            street: format!("{}{}", rng.pick(&EN_SYL), rng.pick(&EN_SYL)),
            street_type: rng.below(EN_STREET_TYPES.len()),
            city,
            dob,
        }
    }
}

fn typo(rng: &mut Rng, s: &str) -> String {
    let mut c: Vec<char> = s.chars().collect();
    if c.len() < 2 {
        return s.to_string();
    }
    let k = rng.below(c.len() - 1);
    match rng.below(3) {
        0 => c[k] = (b'a' + rng.below(26) as u8) as char,
        1 => {
            c.remove(k);
        }
        _ => c.swap(k, k + 1),
    }
    c.into_iter().collect()
}

fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| {
            if c.is_ascii_digit() {
                char::from_u32(c as u32 - '0' as u32 + 0xFF10).unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn render(rng: &mut Rng, e: &Entity, corrupt: bool) -> Vec<String> {
    let p = |rng: &mut Rng, x: f64| corrupt && rng.chance(x);
    // name
    let name = if e.chinese {
        let mut n = format!("{}{}", e.surname, e.given);
        if p(rng, 0.15) {
            n = format!("{} {}", e.surname, e.given);
        }
        if p(rng, 0.08) {
            n.push_str(if rng.chance(0.5) { "先生" } else { "女士" });
        }
        n
    } else {
        let (mut g, mut s) = (e.given.clone(), e.surname.clone());
        if p(rng, 0.2) {
            s = typo(rng, &s);
        }
        if p(rng, 0.1) {
            g = typo(rng, &g);
        }
        if p(rng, 0.1) {
            g = g.chars().take(1).collect();
        }
        if p(rng, 0.15) {
            format!("{}, {}", capitalise(&s), capitalise(&g))
        } else {
            format!("{} {}", capitalise(&g), capitalise(&s))
        }
    };
    // email
    let email = if p(rng, 0.15) {
        String::new()
    } else if p(rng, 0.15) {
        format!(
            "{}{}@{}",
            e.surname.len(),
            rng.below(100_000),
            rng.pick(&DOMAINS)
        )
    } else if p(rng, 0.1) {
        e.email.to_uppercase()
    } else {
        e.email.clone()
    };
    // phone
    let d = &e.phone_digits;
    let phone = if p(rng, 0.15) {
        String::new()
    } else if p(rng, 0.1) {
        if e.chinese {
            format!("13{:09}", rng.0.below(1_000_000_000))
        } else {
            format!("{}{:07}", US_AREA[e.city], rng.below(9_999_999))
        }
    } else if e.chinese {
        match if corrupt { rng.below(5) } else { 0 } {
            0 => d.clone(),
            1 => format!("+86 {} {} {}", &d[..3], &d[3..7], &d[7..]),
            2 => format!("0086-{d}"),
            3 => full_width(d),
            _ => format!("{}-{}-{}", &d[..3], &d[3..7], &d[7..]),
        }
    } else {
        match if corrupt { rng.below(4) } else { 0 } {
            0 => format!("({}) {}-{}", &d[..3], &d[3..6], &d[6..]),
            1 => format!("+1 {d}"),
            2 => format!("{}.{}.{}", &d[..3], &d[3..6], &d[6..]),
            _ => d.clone(),
        }
    };
    // company
    let company = if p(rng, 0.1) {
        String::new()
    } else if e.chinese {
        let mut c = format!("{}{}", e.company, e.co_suffix);
        if p(rng, 0.3) {
            c = e.company.clone();
        }
        if p(rng, 0.2) {
            c = format!("（{}）{c}", CN_CITIES[e.city]);
        }
        c
    } else if p(rng, 0.3) {
        e.company.clone()
    } else {
        format!("{} {}", e.company, e.co_suffix)
    };
    // address
    let address = if e.chinese {
        let no = if p(rng, 0.2) {
            full_width(&e.street_no.to_string())
        } else {
            e.street_no.to_string()
        };
        format!("{}市{}{no}号", CN_CITIES[e.city], e.street)
    } else {
        let (full, abbr) = EN_STREET_TYPES[e.street_type];
        let st = if p(rng, 0.4) { abbr } else { full };
        let street = if p(rng, 0.1) {
            typo(rng, &e.street)
        } else {
            e.street.clone()
        };
        format!("{} {} {}", e.street_no, capitalise(&street), capitalise(st))
    };
    let city = if e.chinese {
        CN_CITIES[e.city].to_string()
    } else {
        capitalise(EN_CITIES[e.city])
    };
    // date
    let (y, mut m, mut dd) = e.dob;
    let mut dob_digits = None;
    if p(rng, 0.05) && dd <= 12 {
        std::mem::swap(&mut m, &mut dd);
    }
    if p(rng, 0.05) {
        let s = typo(rng, &format!("{y:04}{m:02}{dd:02}"));
        dob_digits = Some(s);
    }
    let dob = if p(rng, 0.1) {
        String::new()
    } else if let Some(s) = dob_digits {
        s
    } else {
        match if corrupt { rng.below(3) } else { 0 } {
            0 => format!("{y:04}-{m:02}-{dd:02}"),
            1 if e.chinese => format!("{y}年{m}月{dd}日"),
            1 => format!("{dd:02}/{m:02}/{y:04}"),
            _ => format!("{y:04}/{m:02}/{dd:02}"),
        }
    };
    vec![name, email, phone, company, address, city, dob]
}

/// Generates `opts.records` records.
///
/// ```
/// use crm_analytics::dedup::synth::{generate, SynthOptions};
/// let d = generate(SynthOptions { records: 100, ..SynthOptions::default() });
/// assert_eq!(d.records.len(), 100);
/// assert_eq!(d.entity.len(), 100);
/// assert_eq!(d.schema.fields.len(), 7);
/// ```
pub fn generate(opts: SynthOptions) -> SyntheticData {
    let mut rng = Rng(SplitMix64::new(opts.seed));
    let mut rows: Vec<(Vec<String>, u64)> = Vec::with_capacity(opts.records);
    let mut entity = 0u64;
    while rows.len() < opts.records {
        let chinese = rng.chance(opts.chinese_share);
        let e = make_entity(&mut rng, chinese);
        rows.push((render(&mut rng, &e, false), entity));
        if rng.chance(opts.duplicate_rate) {
            let k = 1 + rng.below(opts.max_duplicates.max(1));
            for _ in 0..k {
                if rows.len() >= opts.records {
                    break;
                }
                rows.push((render(&mut rng, &e, true), entity));
            }
        }
        entity += 1;
    }
    // Fisher-Yates shuffle
    for i in (1..rows.len()).rev() {
        let j = rng.below(i + 1);
        rows.swap(i, j);
    }
    let schema = Schema::new([
        FieldSpec::new("name", FieldKind::Name),
        FieldSpec::new("email", FieldKind::Email),
        FieldSpec::new("phone", FieldKind::Phone),
        FieldSpec::new("company", FieldKind::Company),
        FieldSpec::new("address", FieldKind::Address),
        FieldSpec::new("city", FieldKind::City),
        FieldSpec::new("date_of_birth", FieldKind::Date),
    ]);
    let mut records = Vec::with_capacity(rows.len());
    let mut ent = Vec::with_capacity(rows.len());
    for (k, (values, e)) in rows.into_iter().enumerate() {
        records.push(Record {
            id: format!("r{k}"),
            values,
            source: None,
            updated: None,
        });
        ent.push(e);
    }
    SyntheticData {
        schema,
        records,
        entity: ent,
    }
}
