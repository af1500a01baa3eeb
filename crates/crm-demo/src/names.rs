//! Contact details: Chinese and English names, emails, phones, companies and addresses of a
//! person, and the fields of the record that writes them down. The variants a duplicate record
//! carries are in [`crate::corrupt`].

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
pub(crate) const CN_HOMOPHONES: &[(char, char)] = &[
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

pub(crate) const CN_EMAIL_DOMAINS: &[&str] =
    &["qq.com", "163.com", "126.com", "sina.com", "gmail.com"];
pub(crate) const EN_EMAIL_DOMAINS: &[&str] =
    &["gmail.com", "outlook.com", "yahoo.com", "example.com"];

/// (city, province, postcode prefix, districts of that city).
pub(crate) const CN_CITIES: &[(&str, &str, &str, &[&str])] = &[
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
pub(crate) const CN_LEGAL: &[&str] = &["有限公司", "股份有限公司", "有限责任公司"];
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
pub(crate) const EN_LEGAL: &[&str] = &["Ltd", "Inc.", "LLC", "Limited", "GmbH", "Pty Ltd"];

/// More surnames (with pinyin) for the wide pool ([`NamePool::Wide`]): the hundred most common.
const CN_SURNAMES_MORE: &[(&str, &str)] = &[
    ("郑", "zheng"),
    ("梁", "liang"),
    ("谢", "xie"),
    ("宋", "song"),
    ("唐", "tang"),
    ("许", "xu"),
    ("韩", "han"),
    ("冯", "feng"),
    ("邓", "deng"),
    ("曹", "cao"),
    ("彭", "peng"),
    ("曾", "zeng"),
    ("肖", "xiao"),
    ("田", "tian"),
    ("董", "dong"),
    ("袁", "yuan"),
    ("潘", "pan"),
    ("于", "yu"),
    ("蒋", "jiang"),
    ("蔡", "cai"),
    ("余", "yu"),
    ("杜", "du"),
    ("叶", "ye"),
    ("程", "cheng"),
    ("苏", "su"),
    ("魏", "wei"),
    ("吕", "lv"),
    ("丁", "ding"),
    ("任", "ren"),
    ("沈", "shen"),
    ("姚", "yao"),
    ("卢", "lu"),
    ("姜", "jiang"),
    ("崔", "cui"),
    ("钟", "zhong"),
    ("谭", "tan"),
    ("陆", "lu"),
    ("汪", "wang"),
    ("范", "fan"),
    ("金", "jin"),
    ("石", "shi"),
    ("廖", "liao"),
    ("贾", "jia"),
    ("夏", "xia"),
    ("韦", "wei"),
    ("付", "fu"),
    ("方", "fang"),
    ("白", "bai"),
    ("邹", "zou"),
    ("孟", "meng"),
    ("熊", "xiong"),
    ("秦", "qin"),
    ("邱", "qiu"),
    ("江", "jiang"),
    ("尹", "yin"),
    ("薛", "xue"),
    ("闫", "yan"),
    ("段", "duan"),
    ("雷", "lei"),
    ("侯", "hou"),
    ("龙", "long"),
    ("史", "shi"),
    ("陶", "tao"),
    ("黎", "li"),
    ("贺", "he"),
    ("顾", "gu"),
    ("毛", "mao"),
    ("郝", "hao"),
    ("龚", "gong"),
    ("邵", "shao"),
    ("万", "wan"),
    ("钱", "qian"),
    ("严", "yan"),
    ("覃", "qin"),
    ("武", "wu"),
    ("戴", "dai"),
    ("莫", "mo"),
    ("孔", "kong"),
    ("向", "xiang"),
    ("汤", "tang"),
];

/// More given-name characters (with pinyin) for the wide pool; a wide given name has one or two.
pub(crate) const CN_GIVEN_MORE: &[(&str, &str)] = &[
    ("玉", "yu"),
    ("萍", "ping"),
    ("红", "hong"),
    ("鹏", "peng"),
    ("飞", "fei"),
    ("斌", "bin"),
    ("宇", "yu"),
    ("浩", "hao"),
    ("凯", "kai"),
    ("国", "guo"),
    ("文", "wen"),
    ("晨", "chen"),
    ("欣", "xin"),
    ("怡", "yi"),
    ("涵", "han"),
    ("轩", "xuan"),
    ("博", "bo"),
    ("远", "yuan"),
    ("嘉", "jia"),
    ("琪", "qi"),
    ("佳", "jia"),
    ("波", "bo"),
    ("俊", "jun"),
    ("峰", "feng"),
    ("瑶", "yao"),
    ("琳", "lin"),
    ("颖", "ying"),
    ("丹", "dan"),
    ("健", "jian"),
    ("鑫", "xin"),
    ("宁", "ning"),
    ("霞", "xia"),
    ("兰", "lan"),
    ("桂", "gui"),
    ("辉", "hui"),
    ("刚", "gang"),
    ("平", "ping"),
    ("梓", "zi"),
    ("思", "si"),
    ("子", "zi"),
    ("雨", "yu"),
    ("晓", "xiao"),
    ("海", "hai"),
    ("建", "jian"),
    ("志", "zhi"),
    ("立", "li"),
    ("新", "xin"),
    ("春", "chun"),
    ("秋", "qiu"),
    ("云", "yun"),
    ("成", "cheng"),
    ("荣", "rong"),
    ("亮", "liang"),
    ("彤", "tong"),
    ("诗", "shi"),
    ("睿", "rui"),
    ("泽", "ze"),
    ("昊", "hao"),
];

/// More English given names for the wide pool.
const EN_GIVEN_MORE: &[&str] = &[
    "Christopher",
    "Nicholas",
    "Samuel",
    "Benjamin",
    "Jack",
    "Lucas",
    "Henry",
    "Alexander",
    "Ryan",
    "Nathan",
    "Peter",
    "Andrew",
    "Edward",
    "Kevin",
    "Brian",
    "Jason",
    "Laura",
    "Rachel",
    "Hannah",
    "Olivia",
    "Chloe",
    "Grace",
    "Amelia",
    "Isabella",
    "Emma",
    "Rebecca",
    "Helen",
    "Anna",
    "Victoria",
    "Julia",
    "Megan",
    "Lucy",
    "Katherine",
    "Claire",
    "Amy",
    "Zoe",
];

/// Syllables of coined names (40^2 two-syllable and 40^3 three-syllable words): English family
/// names in the wide pool (`Kelrinwood`), FEBRL surnames, street, property and suburb names, so a
/// million people do not share a handful of names.
pub(crate) const SYLLABLES: &[&str] = &[
    "ber", "ton", "mar", "ley", "kel", "rin", "bur", "wood", "dale", "son", "man", "ri", "ka",
    "lo", "gan", "el", "ara", "coo", "wong", "ga", "bri", "dun", "mor", "lan", "al", "vern", "yar",
    "ra", "tal", "bin", "gee", "nor", "ash", "wel", "ham", "field", "brook", "ing", "dor", "o",
];

/// Which name tables a person is drawn from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NamePool {
    /// The small tables of `crm demo` (20 Chinese surnames, 26 given names, 36 x 36 English
    /// names): readable demo data.
    Demo,
    /// The demo tables plus 80 more Chinese surnames, one- or two-character given names from 84
    /// characters, 72 English given names and (for half of the English people) a coined family
    /// name from three syllables: synthetic people at a million records and more.
    Wide,
}

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
    /// Date of birth (`None` from [`person`]; the caller draws it where it needs one).
    pub birth: Option<chrono::NaiveDate>,
}

fn pick<'a>(rng: &mut Rng, items: &'a [&'a str]) -> &'a str {
    rng.pick(items).copied().unwrap_or("")
}

/// One element of `a` followed by `b`, uniformly (the same draw as `rng.pick(a)` when `b` is
/// empty).
fn pick2<T: Copy>(rng: &mut Rng, a: &[T], b: &[T], fallback: T) -> T {
    let i = rng.below(a.len() + b.len());
    a.get(i)
        .or_else(|| b.get(i - a.len()))
        .copied()
        .unwrap_or(fallback)
}

pub(crate) fn digits(rng: &mut Rng, n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rng.below(10) as u8))
        .collect()
}

/// A word made of `n` syllables drawn from `syllables`.
pub(crate) fn coined(rng: &mut Rng, syllables: &[&str], n: usize) -> String {
    (0..n).map(|_| pick(rng, syllables)).collect()
}

/// Draws a new person's contact details: Chinese with probability `chinese_share`, a company
/// with probability `company_share`.
pub(crate) fn person(
    rng: &mut Rng,
    pool: NamePool,
    chinese_share: f64,
    company_share: f64,
) -> Contact {
    let wide = pool == NamePool::Wide;
    let locale = if rng.chance(chinese_share) {
        Locale::Chinese
    } else {
        Locale::English
    };
    match locale {
        Locale::Chinese => {
            let more_surnames = if wide { CN_SURNAMES_MORE } else { &[] };
            let more_given = if wide { CN_GIVEN_MORE } else { &[] };
            let (fam, fam_py) = pick2(rng, CN_SURNAMES, more_surnames, ("王", "wang"));
            let (giv, giv_py) = pick2(rng, CN_GIVEN, more_given, ("伟", "wei"));
            let (mut giv, mut giv_py) = (giv.to_string(), giv_py.to_string());
            if wide && giv.chars().count() == 1 && rng.chance(0.6) {
                let (g2, p2) = pick2(rng, CN_GIVEN_MORE, &[], ("华", "hua"));
                giv.push_str(g2);
                giv_py.push_str(p2);
            }
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
                latin: (capitalise(&giv_py), capitalise(fam_py)),
                given: giv,
                family: fam.to_string(),
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
                birth: None,
            }
        }
        Locale::English => {
            let more_given = if wide { EN_GIVEN_MORE } else { &[] };
            let giv = pick2(rng, EN_GIVEN, more_given, "John");
            let fam = if wide && rng.chance(0.5) {
                capitalise(&coined(rng, SYLLABLES, 3))
            } else {
                pick(rng, EN_FAMILY).to_string()
            };
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
                latin: (giv.to_string(), fam.clone()),
                family: fam,
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
                birth: None,
            }
        }
    }
}

pub(crate) fn capitalise(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The company name as the primary record writes it (with its legal suffix).
pub(crate) fn company_full(c: &Contact) -> Option<String> {
    c.company
        .as_ref()
        .map(|(name, legal)| join_company(c.locale, name, legal))
}

/// A company name with a legal suffix, written the locale's way (`星辰科技有限公司`, `Acme Ltd`).
pub(crate) fn join_company(locale: Locale, name: &str, legal: &str) -> String {
    match locale {
        Locale::Chinese => format!("{name}{legal}"),
        Locale::English => format!("{name} {legal}"),
    }
}

/// The date of birth as a primary record writes it (`1987-05-03`).
pub(crate) fn iso_date(d: chrono::NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Fields of one record of a person (primary or duplicate); `None` is an empty field.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RecordFields {
    pub full_name: String,
    pub given: String,
    pub family: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub company: Option<String>,
    /// The street line.
    pub address: Option<String>,
    /// The date of birth as written.
    pub birth: Option<String>,
}

/// The primary record's fields.
pub(crate) fn primary_fields(c: &Contact) -> RecordFields {
    RecordFields {
        full_name: c.full_name.clone(),
        given: c.given.clone(),
        family: c.family.clone(),
        email: Some(c.email.clone()),
        phone: Some(c.phone.clone()),
        company: company_full(c),
        address: Some(c.street.clone()),
        birth: c.birth.map(iso_date),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_pool_is_wide_and_demo_pool_is_the_demo_tables() {
        let mut rng = Rng::stream(5, 0, 0);
        let mut names = std::collections::HashSet::new();
        for _ in 0..2_000 {
            let c = person(&mut rng, NamePool::Demo, 0.5, 0.4);
            if c.locale == Locale::Chinese {
                assert!(CN_SURNAMES.iter().any(|s| s.0 == c.family), "{}", c.family);
                assert!(CN_GIVEN.iter().any(|s| s.0 == c.given), "{}", c.given);
            } else {
                assert!(EN_FAMILY.contains(&c.family.as_str()), "{}", c.family);
            }
            names.insert(c.full_name);
        }
        let demo = names.len();
        names.clear();
        for _ in 0..2_000 {
            let c = person(&mut rng, NamePool::Wide, 0.5, 1.0);
            assert!(c.company.is_some());
            assert!(!c.latin.0.is_empty() && c.latin.1.is_ascii());
            names.insert(c.full_name);
        }
        assert!(names.len() > demo + 300, "{} vs {demo}", names.len());
    }
}
