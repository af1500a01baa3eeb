//! Contact details: Chinese and English names, emails, phones, companies, addresses, and the
//! realistic variants a duplicate record carries.

use super::rng::Rng;

/// (surname, pinyin).
pub(crate) const CN_SURNAMES: &[(&str, &str)] = &[
    ("王", "wang"),
    ("李", "li"),
    ("张", "zhang"),
    ("刘", "liu"),
    ("陈", "chen"),
    ("杨", "yang"),
    ("黄", "huang"),
    ("赵", "zhao"),
    ("吴", "wu"),
    ("周", "zhou"),
    ("徐", "xu"),
    ("孙", "sun"),
    ("马", "ma"),
    ("朱", "zhu"),
    ("胡", "hu"),
    ("郭", "guo"),
    ("何", "he"),
    ("高", "gao"),
    ("林", "lin"),
    ("罗", "luo"),
];

/// (given name, pinyin).
pub(crate) const CN_GIVEN: &[(&str, &str)] = &[
    ("伟", "wei"),
    ("芳", "fang"),
    ("娜", "na"),
    ("敏", "min"),
    ("静", "jing"),
    ("丽", "li"),
    ("强", "qiang"),
    ("磊", "lei"),
    ("军", "jun"),
    ("洋", "yang"),
    ("勇", "yong"),
    ("艳", "yan"),
    ("杰", "jie"),
    ("娟", "juan"),
    ("涛", "tao"),
    ("明", "ming"),
    ("超", "chao"),
    ("秀英", "xiuying"),
    ("华", "hua"),
    ("慧", "hui"),
    ("建华", "jianhua"),
    ("志强", "zhiqiang"),
    ("婷", "ting"),
    ("雪梅", "xuemei"),
    ("晓东", "xiaodong"),
    ("海燕", "haiyan"),
];

/// Homophones used for Chinese typos (same pinyin, different character).
const CN_HOMOPHONES: &[(char, char)] = &[
    ('伟', '玮'),
    ('芳', '方'),
    ('娜', '那'),
    ('敏', '闵'),
    ('静', '晶'),
    ('丽', '莉'),
    ('强', '蔷'),
    ('磊', '蕾'),
    ('军', '君'),
    ('洋', '阳'),
    ('勇', '永'),
    ('艳', '燕'),
    ('杰', '洁'),
    ('娟', '鹃'),
    ('涛', '滔'),
    ('明', '铭'),
    ('超', '潮'),
    ('英', '瑛'),
    ('华', '桦'),
    ('慧', '惠'),
    ('婷', '亭'),
    ('梅', '玫'),
    ('东', '冬'),
    ('燕', '艳'),
];

pub(crate) const EN_GIVEN: &[&str] = &[
    "James",
    "Mary",
    "John",
    "Patricia",
    "Robert",
    "Jennifer",
    "Michael",
    "Linda",
    "William",
    "Elizabeth",
    "David",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Charles",
    "Karen",
    "Daniel",
    "Nancy",
    "Matthew",
    "Lisa",
    "Anthony",
    "Margaret",
    "Mark",
    "Sandra",
    "Steven",
    "Ashley",
    "Oliver",
    "Emily",
    "Harry",
    "Sophie",
    "George",
    "Charlotte",
];

pub(crate) const EN_FAMILY: &[&str] = &[
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Wilson",
    "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee", "Thompson", "White",
    "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright", "Scott",
    "Green", "Baker", "Adams", "Nelson", "Hill", "Campbell", "Mitchell", "Roberts",
];

const CN_EMAIL_DOMAINS: &[&str] = &["qq.com", "163.com", "126.com", "sina.com", "gmail.com"];
const EN_EMAIL_DOMAINS: &[&str] = &["gmail.com", "outlook.com", "yahoo.com", "example.com"];

/// (city, province, postcode prefix, districts of that city).
const CN_CITIES: &[(&str, &str, &str, &[&str])] = &[
    ("北京", "北京市", "100", &["朝阳区", "海淀区", "东城区"]),
    ("上海", "上海市", "200", &["浦东新区", "徐汇区", "静安区"]),
    ("深圳", "广东省", "518", &["南山区", "福田区", "宝安区"]),
    ("广州", "广东省", "510", &["天河区", "越秀区", "海珠区"]),
    ("杭州", "浙江省", "310", &["西湖区", "滨江区", "上城区"]),
    ("成都", "四川省", "610", &["武侯区", "锦江区", "高新区"]),
    ("南京", "江苏省", "210", &["鼓楼区", "玄武区", "建邺区"]),
    ("武汉", "湖北省", "430", &["武昌区", "江汉区", "洪山区"]),
];
const CN_ROADS: &[&str] = &[
    "建国路",
    "中山路",
    "人民路",
    "解放路",
    "科技园路",
    "南京路",
    "长江路",
];

/// (city, region, country, postcode style).
const EN_CITIES: &[(&str, &str, &str)] = &[
    ("London", "England", "United Kingdom"),
    ("Manchester", "England", "United Kingdom"),
    ("New York", "NY", "United States"),
    ("San Francisco", "CA", "United States"),
    ("Chicago", "IL", "United States"),
    ("Sydney", "NSW", "Australia"),
    ("Toronto", "ON", "Canada"),
];
const EN_STREETS: &[&str] = &[
    "High", "Station", "Church", "Park", "Main", "Oak", "Maple", "Victoria",
];
const EN_STREET_KINDS: &[&str] = &["Street", "Road", "Avenue", "Lane"];

const CN_COMPANY_CORE: &[&str] = &[
    "星辰", "华创", "远航", "蓝海", "金桥", "智云", "恒信", "天成", "鼎盛", "博雅",
];
const CN_COMPANY_TRADE: &[&str] = &["科技", "贸易", "信息技术", "文化传媒", "电子", "物流"];
const CN_LEGAL: &[&str] = &["有限公司", "股份有限公司", "有限责任公司"];
const EN_COMPANY_CORE: &[&str] = &[
    "Acme",
    "Northwind",
    "Blue Harbor",
    "Summit",
    "Redwood",
    "Brightline",
    "Crescent",
    "Ironbridge",
    "Silver Oak",
    "Fairview",
];
const EN_COMPANY_TRADE: &[&str] = &[
    "Trading",
    "Logistics",
    "Software",
    "Foods",
    "Consulting",
    "Media",
];
const EN_LEGAL: &[&str] = &["Ltd", "Inc.", "LLC", "Limited", "GmbH", "Pty Ltd"];

/// Language / locale of a person's contact details.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Locale {
    Chinese,
    English,
}

/// The contact details of one person, before variants.
#[derive(Debug, Clone)]
pub(crate) struct Contact {
    pub locale: Locale,
    pub full_name: String,
    pub given: String,
    pub family: String,
    /// Latin spelling (pinyin for Chinese names) `(given, family)`.
    pub latin: (String, String),
    pub email: String,
    pub phone: String,
    pub company: Option<(String, String)>, // (name without legal suffix, legal suffix)
    pub street: String,
    pub city: String,
    pub region: String,
    pub postcode: String,
    pub country: String,
}

fn pick<'a>(rng: &mut Rng, items: &'a [&'a str]) -> &'a str {
    rng.pick(items).copied().unwrap_or("")
}

fn digits(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.below(10) as u8))
        .collect()
}

/// Draws a new person's contact details.
pub(crate) fn person(rng: &mut Rng, company_share: f64) -> Contact {
    let locale = if rng.chance(0.5) {
        Locale::Chinese
    } else {
        Locale::English
    };
    match locale {
        Locale::Chinese => {
            let &(fam, fam_py) = rng.pick(CN_SURNAMES).unwrap_or(&("王", "wang"));
            let &(giv, giv_py) = rng.pick(CN_GIVEN).unwrap_or(&("伟", "wei"));
            let domain = pick(rng, CN_EMAIL_DOMAINS);
            let mobile = format!(
                "1{}{}",
                pick(rng, &["3", "5", "7", "8", "9"]),
                digits(rng, 9)
            );
            let email = if domain == "qq.com" && rng.chance(0.5) {
                format!("{}@qq.com", digits(rng, 9).trim_start_matches('0'))
            } else {
                format!("{giv_py}.{fam_py}{}@{domain}", rng.range(1, 999))
            };
            let phone = format!("+86 {} {} {}", &mobile[0..3], &mobile[3..7], &mobile[7..11]);
            let company = rng.chance(company_share).then(|| {
                let city = rng.pick(CN_CITIES).map_or("北京", |c| c.0);
                (
                    format!(
                        "{city}{}{}",
                        pick(rng, CN_COMPANY_CORE),
                        pick(rng, CN_COMPANY_TRADE)
                    ),
                    pick(rng, CN_LEGAL).to_string(),
                )
            });
            let &(city, province, pc, districts) =
                rng.pick(CN_CITIES)
                    .unwrap_or(&("北京", "北京市", "100", &["朝阳区"]));
            Contact {
                locale,
                full_name: format!("{fam}{giv}"),
                given: giv.to_string(),
                family: fam.to_string(),
                latin: (capitalise(giv_py), capitalise(fam_py)),
                email,
                phone,
                company,
                street: format!(
                    "{}{}{}号",
                    pick(rng, districts),
                    pick(rng, CN_ROADS),
                    rng.range(1, 300)
                ),
                city: city.to_string(),
                region: province.to_string(),
                postcode: format!("{pc}{}", digits(rng, 3)),
                country: "中国".to_string(),
            }
        }
        Locale::English => {
            let giv = pick(rng, EN_GIVEN);
            let fam = pick(rng, EN_FAMILY);
            let &(city, region, country) =
                rng.pick(EN_CITIES)
                    .unwrap_or(&("London", "England", "United Kingdom"));
            let domain = pick(rng, EN_EMAIL_DOMAINS);
            let email = match rng.below(3) {
                0 => format!("{}.{}@{domain}", giv.to_lowercase(), fam.to_lowercase()),
                1 => format!(
                    "{}{}{}@{domain}",
                    &giv[..1].to_lowercase(),
                    fam.to_lowercase(),
                    rng.range(1, 99)
                ),
                _ => format!(
                    "{}.{}{}@{domain}",
                    giv.to_lowercase(),
                    fam.to_lowercase(),
                    rng.range(1, 99)
                ),
            };
            let phone = match country {
                "United Kingdom" => format!("+44 20 {} {}", digits(rng, 4), digits(rng, 4)),
                "Australia" => format!("+61 2 {} {}", digits(rng, 4), digits(rng, 4)),
                _ => format!(
                    "+1 {} {} {}",
                    rng.range(201, 989),
                    digits(rng, 3),
                    digits(rng, 4)
                ),
            };
            let postcode = match country {
                "United Kingdom" => format!(
                    "{}{} {}{}",
                    pick(rng, &["SW", "EC", "M", "N", "W"]),
                    rng.range(1, 20),
                    rng.range(1, 9),
                    pick(rng, &["AB", "DX", "HQ", "LT", "PR"])
                ),
                "Canada" => format!(
                    "M{}A {}B{}",
                    rng.range(1, 9),
                    rng.range(1, 9),
                    rng.range(1, 9)
                ),
                "Australia" => format!("2{}", digits(rng, 3)),
                _ => digits(rng, 5),
            };
            let company = rng.chance(company_share).then(|| {
                (
                    format!(
                        "{} {}",
                        pick(rng, EN_COMPANY_CORE),
                        pick(rng, EN_COMPANY_TRADE)
                    ),
                    pick(rng, EN_LEGAL).to_string(),
                )
            });
            Contact {
                locale,
                full_name: format!("{giv} {fam}"),
                given: giv.to_string(),
                family: fam.to_string(),
                latin: (giv.to_string(), fam.to_string()),
                email,
                phone,
                company,
                street: format!(
                    "{} {} {}",
                    rng.range(1, 250),
                    pick(rng, EN_STREETS),
                    pick(rng, EN_STREET_KINDS)
                ),
                city: city.to_string(),
                region: region.to_string(),
                postcode,
                country: country.to_string(),
            }
        }
    }
}

fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The company name as the primary record writes it (with its legal suffix).
pub(crate) fn company_full(c: &Contact) -> Option<String> {
    c.company.as_ref().map(|(name, legal)| match c.locale {
        Locale::Chinese => format!("{name}{legal}"),
        Locale::English => format!("{name} {legal}"),
    })
}

/// Which variants a planted duplicate carries (the field kinds that differ from the primary).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Variant {
    /// Phone digits written full-width (`１３８…`), as Chinese IMEs produce.
    FullWidthPhone,
    /// Country prefix dropped or added, separators changed.
    PhoneFormat,
    /// Company legal suffix dropped (`有限公司`, `Ltd`).
    CompanyNoSuffix,
    /// Email in other case or with the dots of the local part removed.
    EmailCase,
    /// A typo in the name (homophone character for Chinese, letter edit for English).
    NameTypo,
    /// Name written in Latin letters / other order.
    NameForm,
    /// Email left empty.
    NoEmail,
}

/// In the order they are applied (reformat a phone before writing its digits full-width).
const VARIANTS: &[Variant] = &[
    Variant::PhoneFormat,
    Variant::FullWidthPhone,
    Variant::CompanyNoSuffix,
    Variant::EmailCase,
    Variant::NameTypo,
    Variant::NameForm,
    Variant::NoEmail,
];

/// Fields of one record after variants are applied.
#[derive(Debug, Clone)]
pub(crate) struct RecordFields {
    pub full_name: String,
    pub given: String,
    pub family: String,
    pub email: Option<String>,
    pub phone: String,
    pub company: Option<String>,
}

/// The primary record's fields.
pub(crate) fn primary_fields(c: &Contact) -> RecordFields {
    RecordFields {
        full_name: c.full_name.clone(),
        given: c.given.clone(),
        family: c.family.clone(),
        email: Some(c.email.clone()),
        phone: c.phone.clone(),
        company: company_full(c),
    }
}

/// A duplicate's fields: one to three variants drawn at random (never identical to the primary).
pub(crate) fn duplicate_fields(rng: &mut Rng, c: &Contact) -> (RecordFields, Vec<Variant>) {
    let mut f = primary_fields(c);
    let mut pool: Vec<Variant> = VARIANTS
        .iter()
        .copied()
        .filter(|v| *v != Variant::CompanyNoSuffix || c.company.is_some())
        .collect();
    // Partial Fisher-Yates: the first n of a random permutation.
    let n = (1 + rng.below(3)).min(pool.len());
    for i in 0..n {
        let j = i + rng.below(pool.len() - i);
        pool.swap(i, j);
    }
    pool.truncate(n);
    pool.sort_by_key(|v| VARIANTS.iter().position(|w| w == v));
    let chosen = pool;
    for v in &chosen {
        apply(rng, c, &mut f, *v);
    }
    (f, chosen)
}

fn phone_digits(phone: &str) -> String {
    phone.chars().filter(char::is_ascii_digit).collect()
}

fn apply(rng: &mut Rng, c: &Contact, f: &mut RecordFields, v: Variant) {
    match v {
        Variant::FullWidthPhone => {
            f.phone = f
                .phone
                .chars()
                .map(|ch| match ch {
                    '0'..='9' => char::from_u32(ch as u32 - '0' as u32 + 0xFF10).unwrap_or(ch),
                    '+' => '＋',
                    _ => ch,
                })
                .collect();
        }
        Variant::PhoneFormat => {
            let d = phone_digits(&f.phone);
            f.phone = match (c.locale, rng.below(3)) {
                // Drop +86 and write the 11-digit mobile number plain or with dashes.
                (Locale::Chinese, 0) => d.get(2..).unwrap_or(&d).to_string(),
                (Locale::Chinese, 1) => {
                    let m = d.get(2..).unwrap_or(&d);
                    format!(
                        "{}-{}-{}",
                        m.get(0..3).unwrap_or(""),
                        m.get(3..7).unwrap_or(""),
                        m.get(7..).unwrap_or("")
                    )
                }
                (Locale::Chinese, _) => format!("0086{}", d.get(2..).unwrap_or(&d)),
                (Locale::English, 0) => format!("+{d}"),
                (Locale::English, 1) => format!("00{d}"),
                (Locale::English, _) => format!(
                    "({}) {}",
                    d.get(..d.len().min(2)).unwrap_or(""),
                    d.get(d.len().min(2)..).unwrap_or("")
                ),
            };
        }
        Variant::CompanyNoSuffix => {
            f.company = c.company.as_ref().map(|(name, _)| name.clone());
        }
        Variant::EmailCase => {
            if let Some(e) = &f.email {
                f.email = Some(if rng.chance(0.5) {
                    let (local, domain) = e.split_once('@').unwrap_or((e, ""));
                    format!("{}@{}", local.replace('.', ""), domain)
                } else {
                    let mut out = String::with_capacity(e.len());
                    let mut up = true;
                    for ch in e.chars() {
                        if up {
                            out.extend(ch.to_uppercase());
                        } else {
                            out.push(ch);
                        }
                        up = ch == '.' || ch == '@';
                    }
                    out
                });
            }
        }
        Variant::NameTypo => match c.locale {
            Locale::Chinese => {
                let swapped: String = f
                    .given
                    .chars()
                    .map(|ch| {
                        CN_HOMOPHONES
                            .iter()
                            .find(|(a, _)| *a == ch)
                            .map_or(ch, |(_, b)| *b)
                    })
                    .collect();
                f.given = swapped;
                f.full_name = format!("{}{}", f.family, f.given);
            }
            Locale::English => {
                f.family = typo(rng, &f.family);
                f.full_name = format!("{} {}", f.given, f.family);
            }
        },
        Variant::NameForm => match c.locale {
            Locale::Chinese => {
                // Pinyin, family name first or last.
                let (g, fam) = &c.latin;
                f.given = g.clone();
                f.family = fam.clone();
                f.full_name = if rng.chance(0.5) {
                    format!("{fam} {g}")
                } else {
                    format!("{g} {fam}")
                };
            }
            Locale::English => {
                f.full_name = if rng.chance(0.5) {
                    format!("{}, {}", f.family, f.given)
                } else {
                    format!("{}. {}", f.given.get(..1).unwrap_or(""), f.family)
                };
                f.given = f.given.get(..1).unwrap_or("").to_string();
            }
        },
        Variant::NoEmail => f.email = None,
    }
}

/// One keyboard-style edit of an ASCII word: swap, drop or double a letter (never the first).
fn typo(rng: &mut Rng, word: &str) -> String {
    let mut ch: Vec<char> = word.chars().collect();
    if ch.len() < 3 {
        ch.push(ch.last().copied().unwrap_or('e'));
        return ch.into_iter().collect();
    }
    let i = 1 + rng.below(ch.len() - 2);
    match rng.below(3) {
        0 => ch.swap(i, i + 1),
        1 => {
            ch.remove(i);
        }
        _ => {
            let c = ch[i];
            ch.insert(i, c);
        }
    }
    ch.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn duplicates_differ_and_keep_identity_cues() {
        let mut rng = Rng::stream(3, 0, 0);
        let mut saw_fullwidth = false;
        for _ in 0..500 {
            let c = person(&mut rng, 0.5);
            let p = primary_fields(&c);
            let (d, vars) = duplicate_fields(&mut rng, &c);
            assert!(!vars.is_empty());
            let same = p.full_name == d.full_name
                && p.email == d.email
                && p.phone == d.phone
                && p.company == d.company
                && p.given == d.given;
            // A variant can be a no-op only when a homophone is missing; allow rare cases.
            if same {
                assert!(vars.iter().all(|v| *v == Variant::NameTypo), "{vars:?}");
            }
            if vars.contains(&Variant::FullWidthPhone) {
                assert!(d.phone.contains('１') || d.phone.contains('０') || !d.phone.is_ascii());
                saw_fullwidth = true;
            }
            if vars.contains(&Variant::CompanyNoSuffix) {
                let dc = d.company.clone().unwrap_or_default();
                assert!(p.company.clone().unwrap_or_default().starts_with(&dc));
            }
        }
        assert!(saw_fullwidth);
    }

    #[test]
    fn typo_changes_word() {
        let mut rng = Rng::stream(1, 1, 1);
        for _ in 0..100 {
            let t = typo(&mut rng, "Johnson");
            assert!(t.starts_with('J'));
            assert!((t.len() as i64 - 7).abs() <= 1);
        }
    }
}
