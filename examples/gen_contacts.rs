//! Generates a realistic, messy contact export on stdout, deterministic for a seed:
//! mixed phone formats and regions, invalid and fake numbers, duplicates spelled
//! differently, quoted commas and line breaks, a consent column and extra columns.
//!
//! cargo run --release --example gen_contacts -- --rows 1000000 --seed 7 > big.csv

use std::io::{self, BufWriter};

/// xorshift64*: tiny, fast, and the same sequence on every platform and version.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }
    fn digits(&mut self, n: usize) -> String {
        (0..n)
            .map(|_| char::from(b'0' + self.below(10) as u8))
            .collect()
    }
}

const FIRST: &[&str] = &[
    "James",
    "Mary",
    "Robert",
    "Patricia",
    "John",
    "Jennifer",
    "Michael",
    "Linda",
    "David",
    "Elizabeth",
    "William",
    "Barbara",
    "Richard",
    "Susan",
    "Joseph",
    "Jessica",
    "Thomas",
    "Sarah",
    "Chloé",
    "Noah",
    "Olivia",
    "Liam",
    "Emma",
    "Mateo",
    "Sofía",
    "Lukas",
    "Lena",
    "Hannah",
    "Jürgen",
    "François",
    "Aisha",
    "Wei",
    "Priya",
    "Arjun",
    "Yuki",
    "Kenji",
    "Fatima",
    "Omar",
    "Zoë",
    "Seán",
];
const LAST: &[&str] = &[
    "Smith",
    "Johnson",
    "Williams",
    "Brown",
    "Jones",
    "Garcia",
    "Miller",
    "Davis",
    "Rodriguez",
    "Martinez",
    "Hernandez",
    "Lopez",
    "Gonzalez",
    "Wilson",
    "Anderson",
    "Thomas",
    "Taylor",
    "Moore",
    "Jackson",
    "Martin",
    "Lee",
    "Perez",
    "Thompson",
    "White",
    "Müller",
    "Schmidt",
    "Schneider",
    "Dubois",
    "Lefèvre",
    "O'Brien",
    "Nguyen",
    "Kim",
    "Patel",
    "Singh",
    "Tanaka",
    "Kowalski",
    "van der Berg",
    "García López",
    "Rossi",
    "Silva",
];
const COMPANIES: &[&str] = &[
    "Acme Corp",
    "Acme, Inc.",
    "Globex",
    "Initech",
    "Umbrella Group",
    "Stark Industries",
    "Wayne Enterprises",
    "Hooli",
    "Vandelay Industries",
    "Soylent Co.",
    "Massive Dynamic",
    "Cyberdyne Systems",
    "Tyrell Corp",
    "Wonka Industries",
    "Gringotts",
    "Oceanic Airlines",
    "Pied Piper",
    "Bluth Company",
    "Dunder Mifflin",
    "",
];
const TITLES: &[&str] = &[
    "CEO",
    "Sales Manager",
    "Account Executive",
    "VP Marketing",
    "Office Manager",
    "Engineer",
    "Buyer",
    "Procurement Lead",
    "Founder",
    "",
    "",
];
const SOURCES: &[&str] = &[
    "Webinar",
    "Trade show",
    "Referral",
    "Website",
    "Cold call",
    "LinkedIn",
    "",
];
const TAGS: &[&str] = &[
    "vip",
    "newsletter",
    "lead; hot",
    "customer",
    "partner",
    "lead:cold",
    "",
    "",
    "",
];
const CONSENT: &[&str] = &[
    "yes", "Yes", "Y", "true", "opted-in", "1", "yes", "yes", "no", "", "No", "false",
];

/// A region and how people there write numbers, with the country as the export spells it.
struct Place {
    countries: &'static [&'static str],
    city: &'static [&'static str],
    state: &'static [&'static str],
}

const US: Place = Place {
    countries: &[
        "USA",
        "United States",
        "US",
        "",
        "",
        "United States of America",
        "usa",
    ],
    city: &[
        "New York", "Chicago", "Austin", "Seattle", "Boston", "Denver",
    ],
    state: &["NY", "IL", "TX", "WA", "MA", "CO"],
};
const CA: Place = Place {
    countries: &["Canada", "CA", "CAN"],
    city: &["Ottawa", "Toronto", "Vancouver"],
    state: &["ON", "ON", "BC"],
};
const GB: Place = Place {
    countries: &["United Kingdom", "UK", "Great Britain", "GB"],
    city: &["London", "Manchester", "Leeds"],
    state: &["", "", ""],
};
const DE: Place = Place {
    countries: &["Germany", "DEU", "Deutschland", "DE"],
    city: &["Berlin", "München", "Hamburg"],
    state: &["BE", "BY", "HH"],
};
const FR: Place = Place {
    countries: &["France", "FR", "FRA"],
    city: &["Paris", "Lyon", "Marseille"],
    state: &["", "", ""],
};
const AU: Place = Place {
    countries: &["Australia", "AU"],
    city: &["Sydney", "Melbourne"],
    state: &["NSW", "VIC"],
};
const TT: Place = Place {
    countries: &["Trinidad & Tobago", "Trinidad and Tobago"],
    city: &["Port of Spain"],
    state: &[""],
};

const US_AREAS: &[&str] = &[
    "212", "312", "415", "617", "303", "512", "206", "718", "646", "202",
];
const CA_AREAS: &[&str] = &["613", "416", "604", "514"];

fn exchange(rng: &mut Rng) -> String {
    // 2-9 then two digits, never 555 (real exchanges).
    loop {
        let e = format!("{}{}", 2 + rng.below(8), rng.digits(2));
        if e != "555" {
            return e;
        }
    }
}

/// A valid number for the place, written the way people type it; `country_known` says the
/// row's country column names the place (so national formats are read correctly).
fn phone_for(rng: &mut Rng, region: &str) -> (String, String) {
    let nanp = |rng: &mut Rng, areas: &[&str]| {
        let (a, e, l) = (rng.pick(areas).to_string(), exchange(rng), rng.digits(4));
        let shown = match rng.below(9) {
            0 => format!("({a}) {e}-{l}"),
            1 => format!("{a}-{e}-{l}"),
            2 => format!("{a}.{e}.{l}"),
            3 => format!("+1 {a} {e} {l}"),
            4 => format!("1{a}{e}{l}"),
            5 => format!("{a}{e}{l}.0"),
            6 => format!("+1 ({a}) {e}-{l} ext. {}", rng.digits(3)),
            7 => format!("{a} {e} {l}"),
            _ => format!("+1{a}{e}{l}"),
        };
        (shown, format!("+1{a}{e}{l}"))
    };
    match region {
        "US" => nanp(rng, US_AREAS),
        "CA" => nanp(rng, CA_AREAS),
        "GB" => {
            let n = format!("7946{}", rng.digits(4));
            let shown = match rng.below(3) {
                0 => format!("020 {} {}", &n[..4], &n[4..]),
                1 => format!("+44 20 {} {}", &n[..4], &n[4..]),
                _ => format!("0044 20{n}"),
            };
            (shown, format!("+4420{n}"))
        }
        "DE" => {
            let n = format!("{}{}", 1 + rng.below(9), rng.digits(7));
            let shown = match rng.below(3) {
                0 => format!("030 {n}"),
                1 => format!("+49 30 {n}"),
                _ => format!("030/{n}"),
            };
            (shown, format!("+4930{n}"))
        }
        "FR" => {
            let n = format!("6{}{}", 1 + rng.below(4), rng.digits(7));
            let pairs: Vec<String> = format!("0{n}")
                .as_bytes()
                .chunks(2)
                .map(|c| String::from_utf8_lossy(c).to_string())
                .collect();
            let shown = if rng.chance(50) {
                pairs.join(" ")
            } else {
                format!("+33 {n}")
            };
            (shown, format!("+33{n}"))
        }
        "AU" => {
            let n = format!("41{}", rng.digits(7));
            let shown = if rng.chance(50) {
                format!("0{} {} {}", &n[..3], &n[3..6], &n[6..])
            } else {
                format!("+61 {n}")
            };
            (shown, format!("+61{n}"))
        }
        _ => {
            let n = format!("{}{}", rng.pick(&["620", "720"]), rng.digits(4));
            (format!("+1 868 {n}"), format!("+1868{n}"))
        }
    }
}

const BAD_PHONES: &[&str] = &[
    "613-555-12",
    "+999 123",
    "12345",
    "call me",
    "555-0142",
    "(212) 555-0199",
    "1234567890",
    "000-000-0000",
    "N/A",
    "-",
    "tbd",
    "+44 20 1234",
    "1.6135551234E10",
];

fn main() -> io::Result<()> {
    let mut rows: u64 = 300;
    let mut seed: u64 = 7;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rows" => rows = args.next().and_then(|v| v.parse().ok()).unwrap_or(rows),
            "--seed" => seed = args.next().and_then(|v| v.parse().ok()).unwrap_or(seed),
            "--help" | "-h" => {
                eprintln!("gen_contacts [--rows N] [--seed S] > file.csv");
                return Ok(());
            }
            other => {
                eprintln!("gen_contacts: unknown argument {other:?}");
                std::process::exit(2);
            }
        }
    }
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let out = io::stdout().lock();
    let mut w = csv::WriterBuilder::new().from_writer(BufWriter::with_capacity(1 << 20, out));
    w.write_record([
        "First Name",
        "Last Name",
        "Email",
        "Phone",
        "Mobile",
        "Company",
        "Job Title",
        "City",
        "State",
        "Country",
        "Website",
        "Consent",
        "Tags",
        "Lead Source",
        "Notes",
        "Birthday",
    ])?;
    // Rows kept to repeat later as duplicates in another spelling.
    let mut recent: Vec<[String; 4]> = Vec::new();
    for i in 0..rows {
        if rng.chance(1) && i > 0 {
            w.write_record([
                "", "", "", "", "", "", "", "", "", "", "", "", "", "", "", "",
            ])?;
            continue;
        }
        let places = [
            ("US", &US),
            ("US", &US),
            ("US", &US),
            ("US", &US),
            ("CA", &CA),
            ("GB", &GB),
            ("DE", &DE),
            ("FR", &FR),
            ("AU", &AU),
            ("TT", &TT),
        ];
        let (region, place) = places[rng.below(places.len() as u64) as usize];
        let k = rng.below(place.city.len() as u64) as usize;
        let mut country = rng.pick(place.countries).to_string();
        let (mut first, mut last) = (rng.pick(FIRST).to_string(), rng.pick(LAST).to_string());
        let (mut phone, e164) = phone_for(&mut rng, region);
        let _ = e164;
        let domain = rng.pick(&[
            "example.com",
            "mail.example.org",
            "corp.example.net",
            "example.co.uk",
        ]);
        let mut email = format!(
            "{}.{}{}@{domain}",
            first
                .to_lowercase()
                .replace(['é', 'ü', 'ç', 'í', 'ë', 'á'], "e")
                .replace(' ', ""),
            last.to_lowercase()
                .replace([' ', '\''], "")
                .replace(['ü', 'è', 'ó'], "u"),
            // Most addresses are unique, as in a real export; some share a common name.
            if rng.chance(85) {
                i.to_string()
            } else if rng.chance(30) {
                rng.digits(2)
            } else {
                String::new()
            }
        );
        let mut mobile = String::new();
        if region != "US" && country.is_empty() {
            country = place.countries[0].to_string();
        }
        // Duplicates: an earlier contact again, spelled differently.
        if !recent.is_empty() && rng.chance(4) {
            let d = recent[rng.below(recent.len() as u64) as usize].clone();
            first = d[0].clone();
            last = d[1].clone();
            email = if rng.chance(50) {
                d[2].to_uppercase()
            } else {
                format!("MAILTO:{}", d[2])
            };
            phone = d[3].replace(['(', ')'], "").replace('-', " ");
            country = String::new();
        } else if recent.len() < 500 && region == "US" {
            recent.push([first.clone(), last.clone(), email.clone(), phone.clone()]);
        }
        // Messy values.
        match rng.below(100) {
            0..=3 => phone = rng.pick(BAD_PHONES).to_string(),
            4 => phone = String::new(),
            5 => email = format!("{} at example.com", first.to_lowercase()),
            6 => email = String::new(),
            7 => {
                first = String::new();
                last = String::new();
            }
            8 => country = "Atlantis".into(),
            9 => {
                mobile = phone_for(&mut rng, region).0;
                phone = format!("{phone} / {mobile}");
                mobile = String::new();
            }
            10..=14 => mobile = phone_for(&mut rng, region).0,
            _ => {}
        }
        if rng.chance(3) {
            first = format!("  {first} ");
        }
        let company = rng.pick(COMPANIES);
        let notes = match rng.below(20) {
            0 => "Met at the expo.\nFollow up in Q3, ask about pricing".to_string(),
            1 => "Prefers email, \"no calls before 10\"".to_string(),
            2 => "=HYPERLINK(\"http://example.com\",\"site\")".to_string(),
            _ => String::new(),
        };
        let website = match rng.below(10) {
            0 if !company.is_empty() => format!(
                "https://www.{}.example.com",
                company
                    .to_lowercase()
                    .split([' ', ','])
                    .next()
                    .unwrap_or("acme")
            ),
            1 => "not a site".to_string(),
            _ => String::new(),
        };
        let birthday = match rng.below(6) {
            0 => format!(
                "{:02}/{:02}/19{}",
                1 + rng.below(12),
                1 + rng.below(28),
                50 + rng.below(50)
            ),
            1 => format!(
                "19{}-{:02}-{:02}",
                50 + rng.below(50),
                1 + rng.below(12),
                1 + rng.below(28)
            ),
            2 => format!(
                "{} {} 19{}",
                rng.pick(&["Jan", "Feb", "Mar", "Sep", "Oct"]),
                1 + rng.below(28),
                50 + rng.below(50)
            ),
            3 => "someday".to_string(),
            _ => String::new(),
        };
        w.write_record([
            first.as_str(),
            last.as_str(),
            email.as_str(),
            phone.as_str(),
            mobile.as_str(),
            company,
            rng.pick(TITLES),
            place.city[k],
            place.state[k],
            country.as_str(),
            website.as_str(),
            rng.pick(CONSENT),
            rng.pick(TAGS),
            rng.pick(SOURCES),
            notes.as_str(),
            birthday.as_str(),
        ])?;
    }
    w.flush()?;
    Ok(())
}
